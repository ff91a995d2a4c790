import CYaml  // comes with the Yams product (Package.swift)
import Yams

/// Composes a policy file into Yams nodes in one pass of libyaml's events, refusing an alias
/// where it stands. `PolicyLoader` used to read the text twice: once for `YAMLAliasCheck`, then
/// again through `Yams.compose` (with a duplicate-key check that hashes every key node of every
/// mapping): 12 million instructions at every start of `audit`. This pass builds the same nodes
/// (same values, tags, resolver, constructor, styles and anchors) and takes the ordinary file:
///
/// - the first alias is reported at the position the alias check gave (the same event of the same
///   parser, reached in the same order, when no syntax error comes first);
/// - anything out of the ordinary is left to the old way, which then reports exactly what it
///   reported before: a libyaml error, a second document, a byte order mark, a key that is not a
///   scalar, two keys of one mapping with equal text (Yams decides whether they are duplicates).
///
/// Yams' `Mark` cannot be made outside Yams, so the nodes have none; where each one starts is
/// kept beside them, by the identity of its tag (every node gets a tag of its own).
enum PolicyComposer {
    enum Outcome {
        /// The document's root (nil for a file without one) and where each node starts.
        case document(Node?, NodePositions)
        /// The first alias, 1-based.
        case alias(line: Int, column: Int)
        /// Compose the old way (`YAMLAliasCheck`, then `PolicyLoader.compose`).
        case fallback
    }

    static func compose(_ text: String) -> Outcome {
        var text = text
        return text.withUTF8 { bytes -> Outcome in
            // A byte order mark: the old way lets libyaml detect the encoding; leave it to it.
            if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { return .fallback }
            var composer = Composer()
            return composer.run(bytes)
        }
    }

    private struct Failure: Error {
        var alias: (line: Int, column: Int)?
    }

    private struct Composer {
        var parser = yaml_parser_t()
        var positions = NodePositions()
        // What Yams.compose(yaml:, .basic) gives every node's tag.
        let resolver = Resolver.basic
        let constructor = Constructor.default

        mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
            guard yaml_parser_initialize(&parser) == 1 else { return .fallback }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            do throws(Failure) {
                var event = try next()
                guard event.type == YAML_STREAM_START_EVENT else { yaml_event_delete(&event); return .fallback }
                yaml_event_delete(&event)
                event = try next()
                if event.type == YAML_STREAM_END_EVENT {
                    yaml_event_delete(&event)
                    return .document(nil, positions)
                }
                guard event.type == YAML_DOCUMENT_START_EVENT else { yaml_event_delete(&event); return .fallback }
                yaml_event_delete(&event)
                event = try next()
                let root = try node(from: &event)
                event = try next()
                let documentEnd = event.type == YAML_DOCUMENT_END_EVENT
                yaml_event_delete(&event)
                guard documentEnd else { return .fallback }
                event = try next()
                let streamEnd = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                return streamEnd ? .document(root, positions) : .fallback
            } catch {
                if let alias = error.alias { return .alias(line: alias.line, column: alias.column) }
                return .fallback
            }
        }

        mutating func next() throws(Failure) -> yaml_event_t {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw Failure() }
            return event
        }

        /// The node `event` starts (deleting it, and every event up to the node's end).
        mutating func node(from event: inout yaml_event_t) throws(Failure) -> Node {
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1, column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_ALIAS_EVENT:
                throw Failure(alias: (line, column))
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let tagName = scalar.quoted_implicit == 1 ? Tag.Name.str.rawValue : Self.string(scalar.tag)
                guard let style = Node.Scalar.Style(rawValue: numericCast(scalar.style.rawValue)) else { throw Failure() }
                let made = Node.scalar(.init(value, tag(tagName), style, nil, Self.string(scalar.anchor).map(Anchor.init(stringLiteral:))))
                positions.set(made, line: line, column: column)
                return made
            case YAML_SEQUENCE_START_EVENT:
                let start = event.data.sequence_start
                let tagName = start.implicit != 0 ? nil : Self.string(start.tag)
                let anchor = Self.string(start.anchor).map(Anchor.init(stringLiteral:))
                var nodes: [Node] = []
                var item = try next()
                while item.type != YAML_SEQUENCE_END_EVENT { nodes.append(try node(from: &item)); item = try next() }
                // Yams reads the style from the end event, as this does.
                let style = Node.Sequence.Style(rawValue: numericCast(item.data.sequence_start.style.rawValue))
                yaml_event_delete(&item)
                guard let style else { throw Failure() }
                let made = Node.sequence(.init(nodes, tag(tagName), style, nil, anchor))
                positions.set(made, line: line, column: column)
                return made
            case YAML_MAPPING_START_EVENT:
                let start = event.data.mapping_start
                let tagName = start.implicit != 0 ? nil : Self.string(start.tag)
                let anchor = Self.string(start.anchor).map(Anchor.init(stringLiteral:))
                var pairs: [(Node, Node)] = []
                var keys: Set<String> = []
                var item = try next()
                while item.type != YAML_MAPPING_END_EVENT {
                    let key = try node(from: &item)
                    // Keys Yams could take for duplicates: let it decide, the old way.
                    guard case .scalar(let scalar) = key, keys.insert(scalar.string).inserted else { throw Failure() }
                    // Yams' duplicate check hashes every key, which resolves its tag (and writes the
                    // resolved name into it): `Node.tag` does the same, so keys read as they did.
                    _ = key.tag
                    item = try next()
                    let value = try node(from: &item)
                    pairs.append((key, value))
                    item = try next()
                }
                let style = Node.Mapping.Style(rawValue: numericCast(item.data.mapping_start.style.rawValue))
                yaml_event_delete(&item)
                guard let style else { throw Failure() }
                let made = Node.mapping(.init(pairs, tag(tagName), style, nil, anchor))
                positions.set(made, line: line, column: column)
                return made
            default:
                throw Failure()
            }
        }

        func tag(_ name: String?) -> Tag {
            Tag(name.map(Tag.Name.init(rawValue:)) ?? .implicit, resolver, constructor)
        }

        /// As Yams reads libyaml's C strings (a tag, an anchor).
        static func string(_ pointer: UnsafePointer<UInt8>?) -> String? {
            guard let pointer else { return nil }
            return String.decodeCString(pointer, as: UTF8.self, repairingInvalidCodeUnits: true)?.result
        }
    }
}

/// Where the nodes `PolicyComposer` made start (1-based line and column, as libyaml counts), by
/// the identity of each node's own tag.
struct NodePositions {
    private var table: [ObjectIdentifier: (line: Int, column: Int)] = [:]

    mutating func set(_ node: Node, line: Int, column: Int) {
        if let tag = Self.ownTag(node) { table[ObjectIdentifier(tag)] = (line, column) }
    }

    /// A node's position: its mark when Yams composed it, else the one kept here.
    func of(_ node: Node) -> (line: Int, column: Int)? {
        if let mark = node.mark { return (mark.line, mark.column) }
        return Self.ownTag(node).flatMap { table[ObjectIdentifier($0)] }
    }

    /// The node's own tag object. Not `Node.tag`: that resolves the tag, and resolving writes the
    /// resolved name into the object (a plain `1` would then read as a string, not an integer).
    static func ownTag(_ node: Node) -> Tag? {
        switch node {
        case .scalar(let scalar): return scalar.tag
        case .mapping(let mapping): return mapping.tag
        case .sequence(let sequence): return sequence.tag
        case .alias: return nil
        }
    }
}

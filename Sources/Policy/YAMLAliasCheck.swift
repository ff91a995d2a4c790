import CYaml  // comes with the Yams product (Package.swift)

/// Finds the first YAML alias (`*name`) in a text, from libyaml's own event stream, before Yams
/// composes it. A policy needs no aliases, and an alias used as a mapping key makes composing it
/// hash the aliased tree again for every reference: ten levels of ten references each (570 bytes)
/// hung `policy lint` and `audit --policy`. So a policy file with an alias is refused, not
/// expanded. This pass keeps no tree, so its work is linear in the text.
enum YAMLAliasCheck {
    /// The 1-based line and column of the first alias; nil when there is none, or when libyaml
    /// stops at a syntax error (composing the text then reports that error with its position).
    static func firstAlias(in text: String) -> (line: Int, column: Int)? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> (line: Int, column: Int)? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_ALIAS_EVENT {
                    return (Int(event.start_mark.line) + 1, Int(event.start_mark.column) + 1)
                }
                if event.type == YAML_STREAM_END_EVENT { return nil }
            }
        }
    }
}

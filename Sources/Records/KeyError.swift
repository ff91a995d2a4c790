import Base

/// A key file that cannot be used, with the file and the reason (exit 2 in the CLI).
public typealias KeyError = PathError<KeyErrorKind>

/// The kind of `KeyError`.
public enum KeyErrorKind: PathErrorKind {}

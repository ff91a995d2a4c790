import Base

/// The proc root as a whole cannot be sampled (missing, not a proc tree, no boot time).
/// Unlike a problem with one process, this stops the sample: nothing could be trusted.
public typealias ProcRootError = PathError<ProcRootErrorKind>

/// The kind of `ProcRootError`.
public enum ProcRootErrorKind: PathErrorKind {}

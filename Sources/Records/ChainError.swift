import Base

/// The chain on disk cannot be appended to as it is (a corrupt last record, a partial line
/// followed by later segments): the writer refuses rather than fork or bury the chain. Names the
/// file and why; `isotrace verify` tells the whole story.
public typealias ChainError = PathError<ChainErrorKind>

/// The kind of `ChainError`.
public enum ChainErrorKind: PathErrorKind {}

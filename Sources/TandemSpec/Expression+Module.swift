import TandemExpressions

/// The problem-file expression language (Foundation also declares an `Expression`; inside this
/// module the name means this one).
public typealias Expression = TandemExpressions.Expression

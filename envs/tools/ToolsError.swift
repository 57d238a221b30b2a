import TroupeCore

extension ErrorCode {
    /// The tool catalog or the evaluation set could not be loaded; the message names the file.
    public static let toolsData = ErrorCode("tools_data")
    /// The record/replay cache could not be read or written; the message names the path.
    public static let toolsCache = ErrorCode("tools_cache")
}

/// The errors of the tools environment's library. Environment-level failures (bad configuration,
/// bad reset options) use `EnvError`; a bad *action* is never an error here but an observation.
public enum ToolsError: CodedError, Equatable, CustomStringConvertible {
    /// A catalog directory or tool file is missing or malformed.
    case catalog(String)
    /// The evaluation set is missing, malformed, or names a function the catalog lacks.
    case evalSet(String)
    /// The record/replay cache could not be read or written.
    case cache(String)

    public var code: ErrorCode {
        switch self {
        case .catalog, .evalSet: return .toolsData
        case .cache: return .toolsCache
        }
    }

    public var message: String {
        switch self {
        case .catalog(let m): return "tool catalog: \(m)"
        case .evalSet(let m): return "evaluation set: \(m)"
        case .cache(let m): return "record/replay cache: \(m)"
        }
    }

    public var description: String { "\(code): \(message)" }
}

import TroupeCore

/// What can stop a Matryoshka run, each with what to do about it.
public enum MatryoshkaError: CodedError, Equatable {
    /// A setting is out of range; the message names it.
    case badSettings(String)
    /// The run directory holds a run with other settings or another model.
    case otherRun(directory: String, differences: [String])
    /// A phase's records do not match its plan (a file was edited or mixed from another run).
    case inconsistent(String)

    public var code: ErrorCode {
        switch self {
        case .badSettings: return ErrorCode("bad_settings")
        case .otherRun: return ErrorCode("other_run")
        case .inconsistent: return ErrorCode("inconsistent_run")
        }
    }

    public var message: String {
        switch self {
        case .badSettings(let why): return "invalid settings: \(why)"
        case .otherRun(let directory, let differences):
            return
                "\(directory) holds a run with other settings (\(differences.joined(separator: ", ")) differ); give the same options to resume it, or another --run-dir"
        case .inconsistent(let why): return "the run directory is inconsistent: \(why); start a new --run-dir"
        }
    }
}

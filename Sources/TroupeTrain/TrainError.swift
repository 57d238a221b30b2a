import TroupeCore
import TroupeLM

/// The errors of the trainer: data, configuration, checkpoints and adapters.
///
/// Every case says what was wrong and where (the file, the line, the tensor, the option) and
/// what to do next. Bad data never reaches the numerics: it is rejected when read.
public enum TrainError: Error, Equatable, CustomStringConvertible {
    /// A JSONL line is not what the command reads; `line` is 1-based.
    case badData(path: String, line: Int, message: String)
    /// A data file cannot be read, or holds no usable example.
    case noData(path: String, reason: String)
    /// An option or configuration value is invalid; the message names it and the valid range.
    case badConfig(String)
    /// An adapter directory or file cannot be used with this model (missing file, wrong shapes,
    /// an unsupported PEFT feature); `detail` says which.
    case badAdapter(path: String, detail: String)
    /// A checkpoint cannot be resumed (missing, corrupt, or made with different settings).
    case badCheckpoint(path: String, detail: String)
    /// Training produced a non-finite loss or gradient (the step is not applied).
    case diverged(step: Int, detail: String)
    /// Writing an output failed.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .badData(let path, let line, let message): return "\(path):\(line): \(message)"
        case .noData(let path, let reason): return "\(path): \(reason)"
        case .badConfig(let m): return "invalid training configuration: \(m)"
        case .badAdapter(let path, let detail): return "adapter \(path): \(detail)"
        case .badCheckpoint(let path, let detail):
            return
                "cannot resume from \(path): \(detail) (start a fresh run with another --output-dir, or resume with the original settings)"
        case .diverged(let step, let detail):
            return
                "training diverged at step \(step): \(detail); lower the learning rate or raise --max-grad-norm clipping"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}

extension TrainError: CodedError {
    public var code: ErrorCode {
        switch self {
        case .badData, .noData: return ErrorCode("bad_data")
        case .badConfig: return .badConfig
        case .badAdapter: return ErrorCode("bad_adapter")
        case .badCheckpoint: return ErrorCode("bad_checkpoint")
        case .diverged: return ErrorCode("diverged")
        case .cannotWrite: return ErrorCode("io_error")
        }
    }
    public var message: String { description }
}

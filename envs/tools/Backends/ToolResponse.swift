import TroupeCore

/// ToolBench's step status codes (`rapidapi.py:_step`), the taxonomy every call result carries.
public enum ToolStatus: Int, Sendable, Codable, CaseIterable {
    /// A normal response.
    case ok = 0
    /// No function has that name.
    case noSuchFunction = 1
    /// The action or its input is malformed: unparsable JSON, missing or ill-typed parameters.
    case inputError = 2
    /// The final answer was given (`Finish` with `give_answer`).
    case finalAnswer = 3
    /// The agent gave up (`Finish` with `give_up_and_restart`).
    case gaveUp = 4
    /// The API did not answer in time.
    case timeout = 5
    /// The API is not working (HTTP 404 or 5xx, or missing from the replay cache).
    case notWorking = 6
    /// The key is not subscribed to the API (HTTP 403).
    case unsubscribed = 7
    /// The key is missing or wrong (HTTP 401).
    case unauthorized = 8
    /// Too many requests (HTTP 429, or the per-API quota of the episode is used up).
    case tooManyRequests = 9
    /// The rate limit is reached (the per-episode call quota is used up).
    case rateLimit = 10
    /// The API answered with an error message (an unknown city, an invalid id).
    case messageError = 11
    /// The request could not be sent (connection refused, a host outside the allowed list).
    case requestError = 12

    /// A snake_case name for infos and reports.
    public var name: String {
        switch self {
        case .ok: return "ok"
        case .noSuchFunction: return "no_such_function"
        case .inputError: return "input_error"
        case .finalAnswer: return "final_answer"
        case .gaveUp: return "gave_up"
        case .timeout: return "timeout"
        case .notWorking: return "not_working"
        case .unsubscribed: return "unsubscribed"
        case .unauthorized: return "unauthorized"
        case .tooManyRequests: return "too_many_requests"
        case .rateLimit: return "rate_limit"
        case .messageError: return "message_error"
        case .requestError: return "request_error"
        }
    }
}

/// What a call returns to the model: ToolBench's envelope `{"error": …, "response": …}` and the
/// status code. Error strings start with ToolBench's fixed vocabulary (`server.py:process_error`)
/// so that harnesses matching on it keep working; a second line adds what to do.
public struct ToolResponse: Sendable, Equatable, Codable {
    public var error: String
    public var response: JSONValue
    public var status: ToolStatus

    public init(error: String = "", response: JSONValue, status: ToolStatus = .ok) {
        self.error = error
        self.response = response
        self.status = status
    }

    /// A successful response.
    public static func ok(_ response: JSONValue) -> ToolResponse { ToolResponse(response: response) }

    /// A failure with an empty response.
    public static func failure(_ status: ToolStatus, _ error: String, response: JSONValue = "") -> ToolResponse {
        ToolResponse(error: error, response: response, status: status)
    }

    /// The envelope as JSON, which is what the model reads.
    public var envelope: JSONValue { ["error": .string(error), "response": response] }

    // ToolBench's error vocabulary.
    static let notWorkingPrefix = "API not working error..."
    static let unauthorizedPrefix = "Unauthorized error..."
    static let unsubscribedPrefix = "Unsubscribed error..."
    static let tooManyRequestsPrefix = "Too many requests error..."
    static let rateLimitPrefix = "Rate limit per minute error..."
    static let messagePrefix = "Message error..."
    static let parsePrefix = "Tool input parse error..."
    static let timeoutPrefix = "Timeout error..."

    /// An API-level error message (the API understood the call but refused it), like a RapidAPI
    /// endpoint answering 400 with `{"message": …}`.
    public static func message(_ text: String) -> ToolResponse {
        .failure(.messageError, messagePrefix, response: ["message": .string(text)])
    }
}

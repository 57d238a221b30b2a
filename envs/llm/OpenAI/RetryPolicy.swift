import Foundation
import TroupeHTTP

/// When to try a failed request again, and how long to wait first: a pure function of the failure,
/// the attempt number and a jitter draw, so every rule is testable without a network.
///
/// Rules:
/// - Retried: 408, 409, 429 and 5xx answers, and transport failures (unreachable, timeout,
///   connection lost). Never retried: other 4xx (the request itself is wrong), malformed
///   answers, a context-length overflow, cancellation.
/// - At most `maxAttempts` attempts in all.
/// - The wait before attempt n+1 is exponential backoff with equal jitter:
///   `b = min(backoffMax, backoffBase · 2^(n-1))`, wait `b/2 + jitter · b/2` with jitter in [0, 1).
/// - A `Retry-After` (or `retry-after-ms`) from the server is honored: the wait is at least what it
///   asks. If it asks for more than `maxRetryAfter`, the request fails at once instead of holding a
///   session hostage.
struct RetryPolicy: Sendable, Equatable {
    var maxAttempts: Int
    var backoffBase: Double
    var backoffMax: Double
    var maxRetryAfter: Double

    /// A failed attempt, as far as retrying is concerned.
    enum Failure: Equatable {
        /// An HTTP answer with this status; `retryAfter` in seconds if the server gave one.
        case status(Int, retryAfter: Double?)
        /// No complete answer (unreachable, timeout, connection lost).
        case transport
        /// Anything that retrying cannot fix.
        case permanent
    }

    enum Decision: Equatable {
        case retry(after: Double)
        case fail
    }

    /// What to do after attempt number `attempt` (1-based) failed with `failure`.
    func decide(_ failure: Failure, attempt: Int, jitter: Double) -> Decision {
        guard attempt < maxAttempts else { return .fail }
        let backoff = min(backoffMax, backoffBase * pow(2, Double(attempt - 1)))
        let wait = backoff / 2 + min(max(jitter, 0), 1) * backoff / 2
        switch failure {
        case .permanent:
            return .fail
        case .transport:
            return .retry(after: wait)
        case .status(let status, let retryAfter):
            guard RetryPolicy.isRetryable(status: status) else { return .fail }
            if let retryAfter {
                guard retryAfter <= maxRetryAfter else { return .fail }
                return .retry(after: max(retryAfter, wait))
            }
            return .retry(after: wait)
        }
    }

    static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 409 || status == 429 || (500...599).contains(status)
    }

    /// Seconds to wait from `retry-after-ms` (milliseconds, OpenAI's) or `Retry-After` (seconds or
    /// an HTTP date), or nil when neither is present and valid.
    static func retryAfter(_ response: HTTPResponse, now: Date = Date()) -> Double? {
        if let text = response.header("retry-after-ms"), let ms = Double(text.trimmingCharacters(in: .whitespaces)),
            ms.isFinite, ms >= 0
        {
            return ms / 1000
        }
        guard let text = response.header("retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}

import TroupeCore

extension PythonEnv {
    /// The configuration of `python-v0`: the pool it runs on (shared by every session with the
    /// same pool settings), the limits of its jobs, and an optional import policy. Validated when
    /// decoded; errors name the field.
    public struct Config: Sendable, Decodable, Equatable {
        public var pool: SandboxPoolConfig
        /// Default and ceiling of every job's limits; actions may lower them.
        public var limits: SandboxLimits
        /// Top-level modules jobs may import (nil: any). A policy, not a security boundary.
        public var allowedImports: [String]?

        public init(
            pool: SandboxPoolConfig = SandboxPoolConfig(), limits: SandboxLimits = .defaults,
            allowedImports: [String]? = nil
        ) {
            self.pool = pool
            self.limits = limits
            self.allowedImports = allowedImports
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case isolation, python, workers, preload, limits
            case maxQueued = "max_queued"
            case extraPaths = "extra_paths"
            case tmpMB = "tmp_mb"
            case sandboxUID = "sandbox_uid"
            case sandboxGID = "sandbox_gid"
            case allowedImports = "allowed_imports"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            var pool = SandboxPoolConfig()
            if let raw = try c.decodeIfPresent(String.self, forKey: .isolation) {
                guard let isolation = IsolationRequest(rawValue: raw) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .isolation, in: c,
                        debugDescription:
                            "must be one of \(IsolationRequest.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(raw)\""
                    )
                }
                pool.isolation = isolation
            }
            if let python = try c.decodeIfPresent(String.self, forKey: .python) {
                guard python.hasPrefix("/") else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .python, in: c, debugDescription: "must be an absolute path, got \"\(python)\"")
                }
                pool.python = python
            }
            pool.workers = try Config.int(c, .workers, default: pool.workers, in: 0...256)
            pool.maxQueued = try Config.int(c, .maxQueued, default: pool.maxQueued, in: 1...1_000_000)
            pool.tmpMB = try Config.int(c, .tmpMB, default: pool.tmpMB, in: 1...65536)
            pool.sandboxUID = try Config.int(c, .sandboxUID, default: pool.sandboxUID, in: 1...Int(Int32.max))
            pool.sandboxGID = try Config.int(c, .sandboxGID, default: pool.sandboxGID, in: 1...Int(Int32.max))
            if let preload = try c.decodeIfPresent([String].self, forKey: .preload) {
                if let bad = preload.first(where: { !Config.isModuleName($0) }) {
                    throw DecodingError.dataCorruptedError(
                        forKey: .preload, in: c, debugDescription: "\"\(bad)\" is not a module name")
                }
                pool.preload = preload
            }
            if let paths = try c.decodeIfPresent([String].self, forKey: .extraPaths) {
                if let bad = paths.first(where: { !$0.hasPrefix("/") || $0 == "/" }) {
                    throw DecodingError.dataCorruptedError(
                        forKey: .extraPaths, in: c,
                        debugDescription: "\"\(bad)\" is not an absolute path of a directory other than /")
                }
                pool.extraPaths = paths
            }
            self.pool = pool
            limits = .defaults
            if let raw = try c.decodeIfPresent(JSONValue.self, forKey: .limits) {
                do {
                    limits = try SandboxLimits(json: raw, base: .defaults)
                } catch {
                    throw DecodingError.dataCorruptedError(forKey: .limits, in: c, debugDescription: error.description)
                }
            }
            allowedImports = try c.decodeIfPresent([String].self, forKey: .allowedImports)
            if let bad = allowedImports?.first(where: { !Config.isModuleName($0) || $0.contains(".") }) {
                throw DecodingError.dataCorruptedError(
                    forKey: .allowedImports, in: c, debugDescription: "\"\(bad)\" is not a top-level module name")
            }
        }

        private static func int(
            _ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, default value: Int, in range: ClosedRange<Int>
        ) throws -> Int {
            guard let decoded = try c.decodeIfPresent(Int.self, forKey: key) else { return value }
            guard range.contains(decoded) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c,
                    debugDescription: "must be between \(range.lowerBound) and \(range.upperBound), got \(decoded)")
            }
            return decoded
        }

        static func isModuleName(_ name: String) -> Bool {
            !name.isEmpty
                && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                    guard let first = part.first, first.isLetter || first == "_" else { return false }
                    return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                }
        }

        /// The JSON Schema of the configuration, for the spec.
        static var schema: JSONValue {
            [
                "type": "object",
                "properties": [
                    "isolation": ["enum": .array(IsolationRequest.allCases.map { .string($0.rawValue) })],
                    "python": ["type": "string", "description": "absolute path of the interpreter"],
                    "workers": ["type": "integer", "minimum": 0, "maximum": 256, "description": "0: one per core"],
                    "max_queued": ["type": "integer", "minimum": 1, "maximum": 1_000_000],
                    "preload": ["type": "array", "items": ["type": "string"]],
                    "extra_paths": ["type": "array", "items": ["type": "string"]],
                    "tmp_mb": ["type": "integer", "minimum": 1, "maximum": 65536],
                    "sandbox_uid": ["type": "integer", "minimum": 1],
                    "sandbox_gid": ["type": "integer", "minimum": 1],
                    "limits": SandboxLimits.schema,
                    "allowed_imports": ["type": ["array", "null"], "items": ["type": "string"]],
                ],
                "additionalProperties": false,
            ]
        }
    }
}

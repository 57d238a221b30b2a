import Foundation
import TroupeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the pool decided at start-up about how to start workers: the interpreter, bubblewrap, the
/// sandbox user, and the order of isolations to try.
struct LaunchPlan {
    let config: SandboxPoolConfig
    let python: PythonInstall
    let bwrap: String?
    let identity: (uid: Int32, gid: Int32)?
    /// Isolations to try in order: the first whose worker starts and proves isolated wins.
    let isolations: [Isolation]

    init(config: SandboxPoolConfig) throws {
        self.config = config
        guard let path = config.python ?? FileSystem.findExecutable("python3") else {
            throw PythonEnvError.badPython(
                "no python3 in /usr/bin, /bin or /usr/local/bin; install python3 or set `python` to an interpreter")
        }
        python = try PythonInstall.locate(path)
        for path in config.extraPaths where !FileSystem.isDirectory(path) {
            throw EnvError.badConfig("`extra_paths`: '\(path)' is not a directory")
        }
        bwrap = FileSystem.findExecutable("bwrap")
        // A root server never runs untrusted code as root: RLIMIT_NPROC does not even apply to root.
        identity = geteuid() == 0 ? (Int32(config.sandboxUID), Int32(config.sandboxGID)) : nil
        switch config.isolation {
        case .auto: isolations = [.bubblewrap, .rlimitsOnly]
        case .bubblewrap: isolations = [.bubblewrap]
        case .rlimitsOnly: isolations = [.rlimitsOnly]
        }
    }

    /// How workers of `isolation` are started.
    func launcher(_ isolation: Isolation) throws -> Launcher {
        Launcher(
            isolation: isolation, python: python, bwrap: bwrap, identity: identity, extraPaths: config.extraPaths,
            preload: config.preload, tmpMB: config.tmpMB)
    }
}

/// Starts workers of one isolation: builds their command, their hello request, and checks that a
/// started worker is isolated as promised.
struct Launcher: Sendable {
    let isolation: Isolation
    let python: PythonInstall
    let bwrap: String?
    let identity: (uid: Int32, gid: Int32)?
    let extraPaths: [String]
    let preload: [String]
    let tmpMB: Int

    static let zygoteSource = String(decoding: PackageResources.zygote_py, as: UTF8.self)
    static let harnessSource = String(decoding: PackageResources.harness_py, as: UTF8.self)

    /// Why workers of this isolation cannot start at all here, or nil.
    var unavailable: String? {
        isolation == .bubblewrap && bwrap == nil ? "bwrap is not installed (apt-get install bubblewrap)" : nil
    }

    /// A worker's private writable directory on the host (rlimits-only; bubblewrap workers get a
    /// tmpfs instead). Removed when the worker ends.
    struct Workdir {
        let path: String
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The worker's writable directory, made for it alone (mode 0700, owned by the sandbox user).
    func makeWorkdir(_ index: Int) throws -> Workdir? {
        guard isolation == .rlimitsOnly else { return nil }
        Launcher.removeStaleWorkdirs()
        var template = Array("\(Launcher.workdirBase)/\(Launcher.workdirPrefix)\(getpid())-\(index)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PythonEnvError.sandboxUnavailable(
                "cannot make a work directory in \(Launcher.workdirBase): \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        if let identity, chown(path, uid_t(identity.uid), gid_t(identity.gid)) != 0 {
            throw PythonEnvError.sandboxUnavailable("cannot give \(path) to the sandbox user")
        }
        return Workdir(path: path)
    }

    static let workdirBase =
        NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
    static let workdirPrefix = "troupe-python-"

    /// Removes the work directories of servers that are gone (a server that exits without
    /// shutting its pools down cannot remove them itself). Names carry the server's pid.
    static func removeStaleWorkdirs() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: workdirBase) else { return }
        for name in names where name.hasPrefix(workdirPrefix) {
            guard let pid = Int32(name.dropFirst(workdirPrefix.count).prefix { $0 != "-" }), pid != getpid() else {
                continue
            }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(atPath: workdirBase + "/" + name)
            }
        }
    }

    func command(_ workdir: Workdir?) -> WorkerCommand {
        switch isolation {
        case .bubblewrap:
            return WorkerCommand.bubblewrap(
                bwrap: bwrap ?? "/usr/bin/bwrap", python: python, zygote: Launcher.zygoteSource, extraPaths: extraPaths,
                tmpMB: tmpMB, identity: identity, host: .current())
        case .rlimitsOnly:
            return WorkerCommand.rlimitsOnly(
                python: python, zygote: Launcher.zygoteSource, workdir: workdir!.path, identity: identity)
        }
    }

    func hello(workdir: String) -> JSONValue {
        [
            "op": "hello", "mode": .string(isolation.rawValue), "workdir": .string(workdir),
            "harness": .string(Launcher.harnessSource),
            "preload": .array(preload.map { .string($0) }),
            "paths": .array(extraPaths.map { .string($0) }),
        ]
    }

    /// Why a started worker does not meet its isolation's promises, or nil when it does.
    func verify(_ ready: JSONValue) -> String? {
        if let version = ready["python"]?.stringValue {
            let parts = version.split(separator: ".").compactMap { Int($0) }
            if parts.count >= 2, (parts[0], parts[1]) < (3, 9) {
                return "Python \(version) is too old; the sandbox needs Python 3.9 or later (set `python`)"
            }
        }
        guard ready["no_new_privs"]?.boolValue == true else { return "no_new_privs is not set in the worker" }
        if ready["uid"]?.intValue == 0 { return "the worker runs as root" }
        guard isolation == .bubblewrap else { return nil }
        guard ready["pid_namespace"]?.boolValue == true else {
            return "the worker is not pid 1 of its own pid namespace"
        }
        guard ready["net_interfaces"] == ["lo"] else {
            return "the worker sees network interfaces \(ready["net_interfaces"]?.serialized() ?? "?"), not only lo"
        }
        guard let caps = ready["cap_eff"]?.stringValue, caps.allSatisfy({ $0 == "0" }) else {
            return "the worker has capabilities (CapEff \(ready["cap_eff"]?.stringValue ?? "?"))"
        }
        return nil
    }
}

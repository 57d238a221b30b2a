#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The command line of one sandbox worker: bubblewrap around the zygote, or the zygote alone under
/// rlimits only. Pure: built from the pool's settings and facts about the host, so tests can read
/// exactly what a worker is started with.
struct WorkerCommand: Sendable, Equatable {
    /// The program to execute (bwrap, or the interpreter).
    var executable: String
    /// The argument vector, argv[0] included.
    var arguments: [String]
    /// The complete environment of the worker: nothing of the server's is inherited.
    var environment: [String]
    /// The working directory the worker is started in.
    var directory: String
    /// The uid and gid to switch to before exec (when the server runs as root), or nil.
    var identity: (uid: Int32, gid: Int32)?
    /// The zygote's writable directory as the zygote sees it (the job directory goes inside).
    var workdir: String

    static func == (a: WorkerCommand, b: WorkerCommand) -> Bool {
        a.executable == b.executable && a.arguments == b.arguments && a.environment == b.environment
            && a.directory == b.directory && a.identity?.uid == b.identity?.uid && a.identity?.gid == b.identity?.gid
            && a.workdir == b.workdir
    }

    /// The variables the worker gets, and nothing else: no key or token of the server's can reach a
    /// job. PYTHONHASHSEED fixes `hash()` of strings, so set order repeats from run to run.
    static let environment = [
        "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=1",
        "PYTHONNOUSERSITE=1", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1", "MKL_NUM_THREADS=1",
    ]

    /// The interpreter's arguments: no user site-packages, no bytecode files, the zygote as `-c`.
    /// (`-I`/`-E` would also drop PYTHONHASHSEED; the environment is ours entirely anyway.)
    static func interpreterArguments(python: String, zygote: String) -> [String] {
        [python, "-s", "-B", "-c", zygote]
    }

    /// The worker inside bubblewrap: new user, pid, network, IPC, UTS and cgroup namespaces; no
    /// further user namespaces; the zygote as pid 1 of the pid namespace (so `kill(-1)` from it
    /// reaches exactly the job's processes, and a job cannot signal it); a read-only root holding
    /// only /usr (and the interpreter's prefix and `extraPaths` when elsewhere); fresh /proc and
    /// /dev; private tmpfs on /tmp and /dev/shm of `tmpMB` each; no /etc but the loader cache and
    /// the time zone; no /home, /root, /var, /run, /sys.
    static func bubblewrap(
        bwrap: String, python: PythonInstall, zygote: String, extraPaths: [String], tmpMB: Int,
        identity: (uid: Int32, gid: Int32)?, host: HostLayout
    ) -> WorkerCommand {
        var args = [
            bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--as-pid-1",
            "--hostname", "sandbox", "--ro-bind", "/usr", "/usr",
        ]
        for (name, target) in host.usrLinks {
            if let target {
                args += ["--symlink", target, name]
            } else {
                args += ["--ro-bind-try", name, name]
            }
        }
        for file in ["/etc/ld.so.cache", "/etc/localtime"] {
            args += ["--ro-bind-try", file, file]
        }
        for path in python.bindPaths + extraPaths {
            args += ["--ro-bind", path, path]
        }
        let size = String(tmpMB << 20)
        args += [
            "--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs",
            "/dev/shm", "--remount-ro", "/", "--chdir", "/tmp", "--",
        ]
        args += interpreterArguments(python: python.path, zygote: zygote)
        return WorkerCommand(
            executable: bwrap, arguments: args, environment: environment, directory: "/", identity: identity,
            workdir: "/tmp")
    }

    /// The worker without namespaces: the same interpreter, environment, rlimits and session
    /// rules, a private host directory as its writable place, and (when the server is root) the
    /// sandbox uid. Not a security boundary: see `Isolation.rlimitsOnly`.
    static func rlimitsOnly(
        python: PythonInstall, zygote: String, workdir: String, identity: (uid: Int32, gid: Int32)?
    ) -> WorkerCommand {
        WorkerCommand(
            executable: python.path, arguments: interpreterArguments(python: python.path, zygote: zygote),
            environment: environment, directory: workdir, identity: identity, workdir: workdir)
    }
}

/// Facts about the host's file system layout that the bubblewrap command depends on.
struct HostLayout: Sendable, Equatable {
    /// `/bin`, `/lib`, `/lib64`, `/sbin`: the symlink target for a merged-/usr system (`usr/bin`),
    /// or nil for a real directory (bound read-only when present).
    var usrLinks: [(String, String?)]

    static func == (a: HostLayout, b: HostLayout) -> Bool {
        a.usrLinks.map(\.0) == b.usrLinks.map(\.0) && a.usrLinks.map(\.1) == b.usrLinks.map(\.1)
    }

    /// This machine's layout.
    static func current() -> HostLayout {
        HostLayout(
            usrLinks: ["/bin", "/lib", "/lib64", "/sbin"].map { name in
                (name, FileSystem.symlinkTarget(name))
            })
    }
}

/// Where the interpreter is and what must be visible for it to run.
struct PythonInstall: Sendable, Equatable {
    /// The interpreter as configured (an absolute path).
    var path: String
    /// Directories outside /usr that hold the interpreter and its standard library (its
    /// installation prefix: the directory above `bin/`), bound read-only into the sandbox.
    var bindPaths: [String]

    /// Finds the interpreter's real location. Throws `PythonEnvError.sandboxUnavailable` when
    /// `path` is not an executable file.
    static func locate(_ path: String) throws -> PythonInstall {
        guard path.hasPrefix("/") else {
            throw PythonEnvError.badPython("`python` must be an absolute path, got '\(path)'")
        }
        guard access(path, X_OK) == 0, let real = FileSystem.realPath(path) else {
            throw PythonEnvError.badPython(
                "no executable Python interpreter at '\(path)'; install python3 (apt-get install python3) "
                    + "or set `python` to the absolute path of one")
        }
        var binds: [String] = []
        if !real.hasPrefix("/usr/") {
            // <prefix>/bin/python3.x -> bind <prefix>
            let bin = FileSystem.parent(real)
            binds.append(FileSystem.parent(bin))
        }
        return PythonInstall(path: path, bindPaths: binds)
    }
}

/// Small file-system queries, on Glibc.
enum FileSystem {
    static func symlinkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The first executable named `name` in the usual system directories.
    static func findExecutable(_ name: String) -> String? {
        for directory in ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"] {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}

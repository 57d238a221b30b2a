import Foundation
import Testing
import TroupeCore

@testable import PythonEnv

#if canImport(Glibc)
    import Glibc
#endif

/// The attack cases of §B.5 that try to reach outside the sandbox (rows 11-13, 15-21): host files
/// and secrets, writes, the network (the server's own sockets above all), other processes,
/// privileges, the terminal, native code. Under bubblewrap every one must fail; under
/// rlimits-only the tests also pin down what is NOT protected, so the docs' warning stays true.
@Suite("Attacks on the host (§B.5 rows 11-13, 15-21)", .timeLimit(.minutes(10)))
struct EscapeAttackTests {
    @Test("11: host secrets: the environment, /proc, /etc, home directories, files", arguments: Sandboxes.isolations)
    func hostSecrets(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let secretFile = SecretFile()
        defer { withExtendedLifetime(secretFile) {} }
        let path = secretFile.path
        let found = try await Sandboxes.attempt(
            pool,
            #"""
            import os
            attempt("environ", lambda: dict(os.environ))
            attempt("self_environ", lambda: open("/proc/self/environ", "rb").read().decode("latin-1"))
            attempt("init_environ", lambda: open("/proc/1/environ", "rb").read().decode("latin-1"))
            attempt("parent_environ", lambda: open("/proc/%d/environ" % os.getppid(), "rb").read().decode("latin-1"))
            attempt("passwd", lambda: open("/etc/passwd").read())
            attempt("shadow", lambda: open("/etc/shadow").read())
            attempt("root", lambda: os.listdir("/root"))
            attempt("home", lambda: os.listdir("/home"))
            attempt("secret", lambda: open("SECRET").read())
            attempt("secret_dir", lambda: os.listdir(os.path.dirname("SECRET")))
            attempt("cwd_parent", lambda: os.listdir(os.path.join(os.getcwd(), "..", "..")))
            """#.replacingOccurrences(of: "SECRET", with: path))
        // The server's environment never reaches a job, whatever the isolation.
        for key in ["environ", "self_environ", "init_environ", "parent_environ"] {
            let text = found[key]?.stringValue ?? ""
            #expect(!text.contains(Sandboxes.secretValue) && !text.contains(Sandboxes.secretName), "\(key): \(text)")
        }
        if isolation == .bubblewrap || Sandboxes.runningAsRoot {
            #expect(!found.serialized().contains(Sandboxes.secretValue), "a job saw the server's secret: \(found)")
        }
        if isolation == .bubblewrap {
            for key in ["passwd", "shadow", "root", "home", "secret", "secret_dir"] {
                #expect(found[key]?.stringValue?.hasPrefix("denied") == true, "\(key): \(found[key]!)")
            }
        } else if Sandboxes.runningAsRoot {
            // rlimits-only as the sandbox user: only permissions protect the host.
            for key in ["shadow", "root", "secret", "secret_dir"] {
                #expect(found[key]?.stringValue?.hasPrefix("denied") == true, "\(key): \(found[key]!)")
            }
        } else {
            // rlimits-only under the server's own user: its files are the job's, as the warning says.
            #expect(found["secret"]?.stringValue == "ok: " + Sandboxes.secretValue)
        }
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "12, 13, 21: writes outside the job's places, symlink swaps, shared binaries", arguments: Sandboxes.isolations)
    func writesOutside(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let python = try #require(FileSystem.findExecutable("python3"))
        let before = try FileManager.default.attributesOfItem(atPath: python)[.modificationDate] as? Date
        let done = try await Sandboxes.attempt(
            pool,
            #"""
            import os, sysconfig
            attempt("root_file", lambda: open("/pwned", "w").write("x"))
            attempt("usr_file", lambda: open("/usr/pwned", "w").write("x"))
            attempt("etc_file", lambda: open("/etc/pwned", "w").write("x"))
            attempt("python_binary", lambda: open("PYTHON", "ab").write(b"x"))
            attempt("python_chmod", lambda: os.chmod("PYTHON", 0o777))
            attempt("stdlib_module", lambda: open(os.path.join(sysconfig.get_paths()["stdlib"], "json", "pwned.py"), "w").write("x"))
            attempt("symlink_swap", lambda: os.symlink("/tmp", "/usr/lib/pwned"))
            attempt("rename_lib", lambda: os.rename("/usr/lib", "/usr/lib.pwned"))
            attempt("rmdir_bin", lambda: os.rmdir("/usr/bin"))
            attempt("dev_null", lambda: open("/dev/null", "w").write("fine"))
            attempt("own_dir", lambda: open("mine.txt", "w").write("fine"))
            """#.replacingOccurrences(of: "PYTHON", with: python))
        #expect(done["dev_null"]?.stringValue?.hasPrefix("ok") == true)
        #expect(done["own_dir"]?.stringValue?.hasPrefix("ok") == true)
        // Under bubblewrap the system is read-only; under rlimits-only the sandbox user is never root.
        for key in [
            "root_file", "usr_file", "etc_file", "python_binary", "python_chmod", "stdlib_module", "symlink_swap",
            "rename_lib", "rmdir_bin",
        ] {
            #expect(done[key]?.stringValue?.hasPrefix("denied") == true, "\(key): \(done[key]!)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/usr/pwned"))
        #expect(!FileManager.default.fileExists(atPath: "/pwned"))
        let after = try FileManager.default.attributesOfItem(atPath: python)[.modificationDate] as? Date
        #expect(before == after)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("15: no network: not the internet, not DNS, not the server's TCP port, Unix or abstract socket")
    func networkEgress() async throws {
        try #require(Sandboxes.bubblewrapWorks, "needs bubblewrap")
        let pool = try await Sandboxes.pool(.bubblewrap)
        let server = try HostListeners()
        defer { server.close() }
        let reached = try await Sandboxes.attempt(
            pool,
            #"""
            import socket, subprocess
            def tcp(host, port):
                socket.create_connection((host, port), timeout=2).close()
            def unix(path):
                s = socket.socket(socket.AF_UNIX)
                s.settimeout(2)
                s.connect(path)
            attempt("internet", lambda: tcp("1.1.1.1", 80))
            attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
            attempt("server_tcp", lambda: tcp("127.0.0.1", PORT))
            attempt("server_unix", lambda: unix("UNIXPATH"))
            attempt("server_abstract", lambda: unix("\0ABSTRACT"))
            attempt("bash_dev_tcp", lambda: subprocess.run(["bash", "-c", "echo hi > /dev/tcp/127.0.0.1/PORT"], check=True, stderr=subprocess.DEVNULL, timeout=5))
            """#
            .replacingOccurrences(of: "PORT", with: String(server.port))
            .replacingOccurrences(of: "UNIXPATH", with: server.unixPath)
            .replacingOccurrences(of: "ABSTRACT", with: server.abstractName))
        for key in ["internet", "dns", "server_tcp", "server_unix", "server_abstract", "bash_dev_tcp"] {
            #expect(reached[key]?.stringValue?.hasPrefix("denied") == true, "\(key): \(reached[key]!)")
        }
        #expect(server.acceptedAny() == false, "the server's sockets got a connection from a job")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("15 under rlimits-only: the loopback IS reachable, as the warning says")
    func rlimitsOnlyReachesLoopback() async throws {
        let pool = try await Sandboxes.pool(.rlimitsOnly)
        let server = try HostListeners()
        defer { server.close() }
        let result = try await Sandboxes.run(
            pool, "import socket\nsocket.create_connection(('127.0.0.1', \(server.port)), timeout=5).close()")
        #expect(result.status == .ok)
        #expect(server.acceptedAny())
    }

    @Test("16: a loopback server inside the sandbox works (its own network namespace)", arguments: Sandboxes.isolations)
    func loopbackInside(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let source = """
            import http.server, threading, urllib.request
            server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            print(urllib.request.urlopen("http://127.0.0.1:%d/" % server.server_port, timeout=5).status)
            """
        let result = try await Sandboxes.run(pool, source)
        #expect(result.status == .ok, "\(result.stderr)")
        #expect(result.stdout == "200\n")
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("17: signals reach nothing outside the job: not the zygote, not the host")
    func signals() async throws {
        try #require(Sandboxes.bubblewrapWorks, "needs bubblewrap")
        let pool = try await Sandboxes.pool(.bubblewrap)
        let sentinel = try HostSentinel()
        defer { sentinel.stop() }
        let source = """
            import os, signal
            for target in (1, os.getppid(), \(sentinel.pid)):
                for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM, signal.SIGINT):
                    try:
                        os.kill(target, sig)
                    except OSError:
                        pass
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            print("still here")
            """
        let result = try await Sandboxes.run(pool, source)
        #expect(result.status == .ok)
        #expect(result.stdout == "still here\n")
        #expect(sentinel.isAlive)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("17 under rlimits-only: a job that kills its worker only loses its own result")
    func killWorkerRlimitsOnly() async throws {
        let pool = try await SandboxPool.start(SandboxPoolConfig(isolation: .rlimitsOnly, workers: 1))
        defer { pool.shutdown() }
        let result = try await Sandboxes.run(
            pool, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(5)")
        #expect(result.status == .killed)
        let next = try await Sandboxes.run(pool, "print('fine')")
        #expect(next.status == .ok)
        #expect(next.stdout == "fine\n")
        #expect(pool.stats().restarts == 1)
    }

    @Test("18: no privileges: no_new_privs, no capabilities, not root", arguments: Sandboxes.isolations)
    func privileges(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let state = try await Sandboxes.report(
            pool,
            #"""
            import json, os, subprocess
            status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
            def setuid():
                try:
                    os.setuid(0)
                    return "succeeded"
                except OSError as e:
                    return "denied"
            def sudo():
                try:
                    return subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=5).returncode
                except OSError:
                    return "missing"
            print(json.dumps({"nnp": status["NoNewPrivs"].strip(), "capeff": status["CapEff"].strip(),
                "uid": os.getuid(), "euid": os.geteuid(), "setuid": setuid(), "sudo": sudo()}))
            """#)
        #expect(state["nnp"] == "1")
        #expect(state["uid"] != 0)
        #expect(state["euid"] != 0)
        #expect(state["setuid"] == "denied")
        #expect(state["sudo"] != 0)
        if isolation == .bubblewrap || Sandboxes.runningAsRoot {
            #expect(state["capeff"] == "0000000000000000")
        }
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test("19: no controlling terminal, no TIOCSTI injection", arguments: Sandboxes.isolations)
    func terminal(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let state = try await Sandboxes.report(
            pool,
            #"""
            import fcntl, json, os, termios
            def tty():
                try:
                    os.open("/dev/tty", os.O_RDWR)
                    return "opened"
                except OSError as e:
                    return "denied"
            def inject(fd):
                try:
                    fcntl.ioctl(fd, termios.TIOCSTI, b"x")
                    return "injected"
                except OSError:
                    return "denied"
            print(json.dumps({"tty": tty(), "inject": [inject(fd) for fd in (0, 1, 2)],
                "isatty": [os.isatty(fd) for fd in (0, 1, 2)],
                "session_leader": os.getsid(0) == os.getpid(), "group_leader": os.getpgid(0) == os.getpid()}))
            """#)
        #expect(state["tty"] == "denied")
        #expect(state["inject"] == ["denied", "denied", "denied"])
        #expect(state["isatty"] == [false, false, false])
        #expect(state["session_leader"] == true)
        #expect(state["group_leader"] == true)
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }

    @Test(
        "20: ctypes, __subclasses__, posix and reload tricks do not matter: the OS decides",
        arguments: Sandboxes.isolations)
    func nativeEscapes(isolation: Isolation) async throws {
        let pool = try await Sandboxes.pool(isolation)
        let secretFile = SecretFile()
        defer { withExtendedLifetime(secretFile) {} }
        let secret = secretFile.path
        let source = #"""
            import ctypes, importlib, os, posix, sys
            command = b"cat SECRET || echo denied-read; touch /usr/pwned-native || echo denied-write; echo key=$TROUPE_TEST_API_KEY."
            wrap = [c for c in ().__class__.__bases__[0].__subclasses__() if c.__name__ == "_wrap_close"][0]
            system = wrap.__init__.__globals__["system"]
            ctypes.CDLL(None).system(command)
            system(command.decode())
            posix.system(command.decode())
            sys.modules["os"].system(command.decode())
            importlib.reload(os).system(command.decode())
            """#.replacingOccurrences(of: "SECRET", with: secret)
        let result = try await Sandboxes.run(pool, source)
        #expect(result.status == .ok, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/usr/pwned-native"))
        // Each of the five ways ran the shell, inside the sandbox, with the sandbox's rights.
        #expect(result.stdout.components(separatedBy: "key=.").count == 6, "\(result.stdout)")
        #expect(result.stdout.components(separatedBy: "denied-write").count == 6, "\(result.stdout)")
        if isolation == .bubblewrap || Sandboxes.runningAsRoot {
            #expect(!result.stdout.contains(Sandboxes.secretValue))
            #expect(result.stdout.components(separatedBy: "denied-read").count == 6, "\(result.stdout)")
        }
        try await Sandboxes.expectClean(pool, restartsBefore: 0)
    }
}

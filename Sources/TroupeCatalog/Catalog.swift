import ALFWorldEnv
import BasicEnvs
import LLMEnv
import LLMLocalBackend
import PythonEnv
import ReasoningEnv
import ToolsEnv
import TroupeCore

/// Every environment that ships with Troupe. Adding one is one line here (and its own file in
/// `envs/`). `envd` serves this registry; tests run the conformance checker over all of it.
public let builtinEnvironments = EnvRegistry([
    EchoEnv.registration,
    ALFWorldEnv.registration,
    LLMEnv.registration(backends: LLMBackendKind.builtin + [LocalBackend.kind]),
    ReasoningEnv.sandboxedRegistration,
    ToolsEnvironment.registration,
    PythonEnv.registration,
])

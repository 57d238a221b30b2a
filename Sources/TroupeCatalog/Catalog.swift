import ALFWorldEnv
import BasicEnvs
import LLMEnv
import LLMLocalBackend
import MatryoshkaEnv
import PythonEnv
import ReasoningEnv
import ToolsEnv
import TroupeCore

/// The LLM backends every environment that calls an LLM offers: `openai`, `local` (the engine in
/// process), and `sim` with the task responders of the modules that define one (ALFWorld's
/// executor for Matryoshka).
let llmBackends: [LLMBackendKind] =
    LLMBackendKind.builtin.filter { $0.name != "sim" } + [LocalBackend.kind, MatryoshkaEnv.simBackend]

/// `llm-v0` with those backends; the composite environments make their black boxes through it.
let llmEnvironment = LLMEnv.registration(backends: llmBackends)

/// Every environment that ships with Troupe. Adding one is one line here (and its own file in
/// `envs/`). `envd` serves this registry; tests run the conformance checker over all of it.
public let builtinEnvironments = EnvRegistry([
    EchoEnv.registration,
    ALFWorldEnv.registration,
    llmEnvironment,
    MatryoshkaEnv.registration(llm: llmEnvironment),
    ReasoningEnv.sandboxedRegistration,
    ToolsEnvironment.registration,
    PythonEnv.registration,
])

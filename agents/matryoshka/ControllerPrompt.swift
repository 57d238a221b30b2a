import MatryoshkaEnv
import TroupeLM

/// The controller's prompt: Matryoshka's `whitebox_prompt` idea (decompose the task, a general
/// plan then `[Step k]` lines, one decomposition example of the same task type) in our own words,
/// over ALFWorld's intro as ReAct shows it.
///
/// - system: the controller's role;
/// - user: the instruction, one worked example of the task's type (a room, a task, a plan), and
///   the task;
/// - for a retry (closed loop): the plan it wrote as the assistant's turn, then the feedback and
///   a request for a revised plan.
///
/// The examples are written for this project (the paper's are not copied): each names where to
/// look, in order, then every action the task needs, in the words the black box reads.
public enum ControllerPrompt {
    public static let system =
        "You are a planner for a household robot. You read a task and the receptacles in the room, and write a short plan the robot will follow."

    static let instruction = """
        Decompose the task into steps. First write a general plan on one line starting with "# General Plan:", \
        then one line per step starting with "# [Step k]". Say where to look for things, in order, and every \
        action the task needs (take, heat, cool, clean, put, use).
        """

    static let kitchen =
        "You are in the middle of a room. Looking quickly around you, you see a cabinet 3, a cabinet 2, a cabinet 1, a countertop 2, a countertop 1, a diningtable 1, a drawer 2, a drawer 1, a fridge 1, a garbagecan 1, a microwave 1, a sinkbasin 1, a stoveburner 2, a stoveburner 1, and a toaster 1."
    static let bedroom =
        "You are in the middle of a room. Looking quickly around you, you see a bed 1, a desk 1, a drawer 2, a drawer 1, a dresser 1, a garbagecan 1, a shelf 2, a shelf 1, and a sidetable 1."

    /// One example per task type (ALFWorld's prompt keys: put, clean, heat, cool, examine, puttwo).
    static let examples: [String: (room: String, task: String, plan: String)] = [
        "put": (
            kitchen, "put some spatula on diningtable.",
            """
            # General Plan: find a spatula, take it, and put it on the diningtable.
            # [Step 1] Look for a spatula on countertop 1 and countertop 2, then in drawer 1 and drawer 2, opening any that is closed.
            # [Step 2] Take the spatula.
            # [Step 3] Go to diningtable 1 and put the spatula in/on it.
            """
        ),
        "clean": (
            kitchen, "put a clean plate in cabinet.",
            """
            # General Plan: find a plate, clean it with the sinkbasin, and put it in a cabinet.
            # [Step 1] Look for a plate on countertop 1, countertop 2 and diningtable 1, then in cabinet 1, opening any that is closed.
            # [Step 2] Take the plate.
            # [Step 3] Go to sinkbasin 1 and clean the plate with it.
            # [Step 4] Go to cabinet 1, open it, and put the plate in/on it.
            """
        ),
        "heat": (
            kitchen, "heat some egg and put it in countertop.",
            """
            # General Plan: find an egg, heat it with the microwave, and put it on a countertop.
            # [Step 1] Look for an egg in fridge 1, then on diningtable 1 and countertop 2, opening any that is closed.
            # [Step 2] Take the egg.
            # [Step 3] Go to microwave 1 and heat the egg with it.
            # [Step 4] Go to countertop 1 and put the egg in/on it.
            """
        ),
        "cool": (
            kitchen, "put a cool bread in countertop.",
            """
            # General Plan: find a bread, cool it with the fridge, and put it on a countertop.
            # [Step 1] Look for a bread on diningtable 1 and countertop 2, then in cabinet 1, opening any that is closed.
            # [Step 2] Take the bread.
            # [Step 3] Go to fridge 1 and cool the bread with it.
            # [Step 4] Go to countertop 1 and put the bread in/on it.
            """
        ),
        "examine": (
            bedroom, "look at book under the desklamp.",
            """
            # General Plan: find a book, take it, and carry it to the desklamp to use the lamp.
            # [Step 1] Look for a book on bed 1, desk 1 and shelf 1, then in drawer 1, opening any that is closed.
            # [Step 2] Take the book.
            # [Step 3] Find the desklamp on desk 1 or sidetable 1 and go there holding the book.
            # [Step 4] Use the desklamp.
            """
        ),
        "puttwo": (
            kitchen, "put two apple in fridge.",
            """
            # General Plan: find two apples and put them in the fridge, one at a time.
            # [Step 1] Look for an apple on countertop 1, countertop 2 and diningtable 1, then in garbagecan 1.
            # [Step 2] Take the first apple.
            # [Step 3] Go to fridge 1, open it, and put the apple in/on it.
            # [Step 4] Look for another apple in the other places and take it.
            # [Step 5] Go to fridge 1 and put the second apple in/on it.
            """
        ),
    ]

    /// ALFWorld's prompt key for a task type name (`pick_heat_then_place_in_recep` → `heat`), or
    /// from the goal sentence when the type is unknown.
    public static func exampleKey(taskType: String?, intro: String) -> String {
        let byType: [(String, String)] = [
            ("pick_and_place", "put"), ("pick_clean", "clean"), ("pick_heat", "heat"), ("pick_cool", "cool"),
            ("look_at_obj", "examine"), ("pick_two_obj", "puttwo"),
        ]
        if let taskType, let key = byType.first(where: { taskType.hasPrefix($0.0) })?.1 { return key }
        let goal = intro.components(separatedBy: "Your task is to: ").last ?? ""
        let words: [(String, String)] = [
            ("clean", "clean"), ("hot", "heat"), ("heat", "heat"), ("cool", "cool"), ("two", "puttwo"),
            ("look at", "examine"), ("examine", "examine"),
        ]
        return words.first { goal.contains($0.0) }?.1 ?? "put"
    }

    /// The messages for a first plan.
    public static func messages(intro: String, taskType: String?) -> [ChatMessage] {
        let example = examples[exampleKey(taskType: taskType, intro: intro)]!
        let user = """
            \(instruction)

            Here is an example.
            \(example.room)
            Your task is to: \(example.task)
            \(example.plan)

            Here is the task.
            \(BlackBoxPrompt.shownIntro(intro))
            """
        return [ChatMessage(role: "system", content: system), ChatMessage(role: "user", content: user)]
    }

    /// The messages for a revised plan after `attempts` (each: the plan sent and the feedback).
    public static func messages(
        intro: String, taskType: String?, attempts: [(plan: String, feedback: String)]
    ) -> [ChatMessage] {
        var messages = messages(intro: intro, taskType: taskType)
        for attempt in attempts {
            messages.append(ChatMessage(role: "assistant", content: attempt.plan))
            messages.append(
                ChatMessage(
                    role: "user",
                    content: attempt.feedback + "\n\nWrite a revised plan for the task, in the same format."))
        }
        return messages
    }
}

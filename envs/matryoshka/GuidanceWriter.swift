import ALFWorldEnv

/// Guidance written by rule rather than by a controller: the references the learned controller is
/// measured against, and the warm-up data it starts from.
///
/// - `walkthrough`: the planner's shortest plan (`extra.walkthrough`, which knows where hidden
///   objects are) as Matryoshka-format steps. An oracle: no controller can see those places.
/// - `generic`: the plan a careful controller could write from the task text alone: the
///   receptacles that can hold the object, surfaces first, then the treatment, the destination,
///   the second object or the lamp, in the steps Matryoshka's one-shot examples use.
/// - `vague`: a plan that says nothing the black box can act on.
public enum GuidanceWriter {
    /// The walkthrough as guidance: a general plan naming what is done (take, treat, put, use),
    /// and one step per command.
    public static func walkthrough(_ commands: [String]) -> String {
        let actions = commands.filter { !$0.hasPrefix("go to ") && !$0.hasPrefix("open ") }
        let plan = actions.isEmpty ? "Follow these steps." : sentence(actions.joined(separator: ", then ")) + "."
        var lines = ["# General Plan: \(plan)"]
        for (index, command) in commands.enumerated() { lines.append("# [Step \(index + 1)] \(sentence(command)).") }
        return lines.joined(separator: "\n")
    }

    /// A plan from the intro alone (see the type's documentation).
    public static func generic(intro: String) -> String {
        let task = TaskReading(intro: BlackBoxPrompt.shownIntro(intro))
        let object = task.object
        let places = likelyPlaces(for: object, task: task).prefix(6).joined(separator: ", ")
        var steps = ["Look for a \(object) in \(places), opening any that is closed."]
        if task.kind == .two {
            steps.append("Take the first \(object) you find.")
        } else {
            steps.append("Take the \(object).")
        }
        if let treatment = task.treatment {
            let appliance = task.instances(of: treatment.appliance).first ?? treatment.appliance
            steps.append("Go to \(appliance) and \(treatment.verb) the \(object) with it.")
        }
        if task.kind == .look, let lamp = task.toggle {
            steps.append("Carry the \(object) to the \(lamp) and use the \(lamp) to turn it on.")
        } else if let parent = task.parent {
            let destination = task.instances(of: parent).first ?? parent
            steps.append("Go to \(destination) and put the \(object) in/on it.")
            if task.kind == .two {
                steps.append("Find another \(object) in the other places and take it.")
                steps.append("Put the second \(object) in/on \(destination) too.")
            }
        }
        let goal = intro.components(separatedBy: "Your task is to: ").last ?? ""
        var lines = ["# General Plan: I need to \(goal.hasSuffix(".") ? String(goal.dropLast()) : goal)."]
        for (index, step) in steps.enumerated() { lines.append("# [Step \(index + 1)] \(step)") }
        return lines.joined(separator: "\n")
    }

    /// A plan with nothing to act on.
    public static let vague = """
        # General Plan: Do the task well.
        # [Step 1] Think about the task.
        # [Step 2] Be careful and complete it.
        """

    /// The receptacles that can hold `object`, surfaces where things usually lie first, then the
    /// rest in the room's order.
    static func likelyPlaces(for object: String, task: TaskReading) -> [String] {
        let surfaces: Set<String> = [
            "countertop", "diningtable", "coffeetable", "sidetable", "desk", "dresser", "shelf", "bed", "sofa",
        ]
        let hosts = task.possibleHosts(of: object).filter {
            task.parent == nil || TaskReading.type(of: $0) != task.parent
        }
        return hosts.filter { surfaces.contains(TaskReading.type(of: $0)) }
            + hosts.filter {
                !surfaces.contains(TaskReading.type(of: $0))
            }
    }

    static func sentence(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }
}

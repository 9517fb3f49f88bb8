using WgSupervisor.WireGuard.Simulation;

namespace WgSupervisor.Host.Configuration;

/// <summary>The Simulation section: the simulated world of tunnels, read only with Backend: Simulated.</summary>
public static class SimulationSection
{
    public const string Name = "Simulation";

    private static readonly KeyTable<SimulationSettings> Keys = new KeyTable<SimulationSettings>()
        .Key("Tunnels", (k, s) => s with { Tunnels = k.Integer(s.Tunnels, minimum: 1, maximum: 100_000) })
        .Key("Namespace", (k, s) => s with { Namespace = k.Matching(k.Text ?? s.Namespace, ConfigPatterns.Name(), ConfigPatterns.NameRule)! })
        .Key("BreakEverySeconds", (k, s) => s with { BreakEvery = k.OptionalSeconds(0, minimum: 0.01) })
        .Key("BreakAllAfterSeconds", (k, s) => s with { BreakAllAfter = k.OptionalSeconds(0, minimum: 0.01) })
        .Key("RepairSeconds", (k, s) => s with { RepairDuration = k.OptionalSeconds(0, minimum: 0.01) })
        .Key("FixProbability", (k, s) =>
        {
            var probability = k.Number(s.FixProbability, minimum: 0);
            if (probability > 1) k.Problem("a probability: at most 1");
            return s with { FixProbability = probability };
        })
        .Key("StateFile", (k, s) => s with { StateFile = k.Text })
        .Key("Seed", (k, s) => s with { Seed = k.Integer(s.Seed, minimum: 0) });

    public static readonly SimulationSettings Default = new(Tunnels: 10);

    /// <returns>The simulation with Backend: Simulated; otherwise null, and a problem if the section is given anyway.</returns>
    public static SimulationSettings? Read(SettingsReader reader, IConfiguration section, BackendKind backend)
    {
        if (backend == BackendKind.Simulated) return Keys.Read(reader, section, Name, Default);
        if (section.GetChildren().Any()) reader.Problem(Name, "only read with Backend: Simulated");
        return null;
    }
}

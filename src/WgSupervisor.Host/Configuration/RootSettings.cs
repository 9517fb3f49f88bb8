using WgSupervisor.Domain.Fleet;
using WgSupervisor.WireGuard.Simulation;

namespace WgSupervisor.Host.Configuration;

/// <summary>The root's own keys: who this node is, how often it polls, how many repairs at once, what it watches.</summary>
/// <param name="Namespaces">Extra network namespaces to watch (valid names only; problems are reported).</param>
/// <param name="MaxConcurrentPeerRepairs">Repairs that touch one peer only (re-resolve, reset) at once on the node.</param>
public sealed record RootSettings(
    string NodeName,
    TimeSpan PollInterval,
    int MaxConcurrentRestarts,
    int? MaxConcurrentRestartsPerSite,
    bool Discover,
    IReadOnlyList<string> Namespaces,
    BackendKind Backend,
    int MaxConcurrentPeerRepairs = PermitLimits.DefaultMaxConcurrentPeer)
{
    public static RootSettings Default => new(Environment.MachineName, TimeSpan.FromSeconds(5), 2, null, true, [], BackendKind.WireGuard);
}

/// <summary>The root of the configuration: its own keys, and the sections under it (each read by its own validator).</summary>
public static class RootSection
{
    private static readonly KeyTable<RootSettings> Keys = new KeyTable<RootSettings>()
        .Key("NodeName", (k, s) => s with { NodeName = k.Matching(k.Text ?? s.NodeName, ConfigPatterns.Name(), ConfigPatterns.NameRule)! })
        .Section(AdminSection.Name)
        .Key("PollIntervalSeconds", (k, s) => s with { PollInterval = k.Seconds(s.PollInterval.TotalSeconds, minimum: 0.1) })
        .Key("MaxConcurrentRestarts", (k, s) => s with { MaxConcurrentRestarts = k.Integer(s.MaxConcurrentRestarts, minimum: 1) })
        .Key("MaxConcurrentRestartsPerSite", (k, s) => s with { MaxConcurrentRestartsPerSite = k.OptionalInteger(1, minimum: 1) })
        .Key("MaxConcurrentPeerRepairs", (k, s) => s with { MaxConcurrentPeerRepairs = k.Integer(s.MaxConcurrentPeerRepairs, minimum: 1) })
        .Section(CommonCauseSection.Name)
        .Section(JournalSection.Name)
        .Section(ClusterSection.Name)
        .Key("Discover", (k, s) => s with { Discover = k.Boolean(s.Discover) })
        .Key("Namespaces", (k, s) => s with { Namespaces = NamespacesOf(k) })
        .Key("Backend", (k, s) => s with { Backend = k.Choice(s.Backend) })
        .Section(SimulationSection.Name)
        .Section(WebhookSection.Name)
        .Section(TunnelSection.DefaultsName)
        .Section(TunnelSection.TunnelsName);

    public static RootSettings Read(SettingsReader reader, IConfiguration root) => Keys.Read(reader, root, "", RootSettings.Default);

    private static IReadOnlyList<string> NamespacesOf(KeyReader key)
    {
        var namespaces = new List<string>();
        foreach (var entry in key.Section.GetChildren())
        {
            if (entry.Value is { } name && ConfigPatterns.Name().IsMatch(name)) namespaces.Add(name);
            else key.Problem(entry.Key, "not a network namespace name");
        }
        return namespaces;
    }

    /// <summary>Every namespace watched: the host's own (null), the simulated one, then the configured ones, each once.</summary>
    public static IReadOnlyList<string?> WatchedNamespaces(RootSettings root, SimulationSettings? simulation)
    {
        var namespaces = new List<string?> { null };
        if (simulation is not null) namespaces.Add(simulation.Namespace);
        namespaces.AddRange(root.Namespaces);
        return namespaces.Distinct().ToList();
    }
}

using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;

namespace WgSupervisor.Host.Configuration;

public enum JournalProvider
{
    Sqlite,
    PostgreSql,
}

public sealed record JournalConfig(JournalProvider Provider, string SqlitePath, string? ConnectionString, int SnapshotEvery);

public sealed record ClusterConfig(string Hostname, int Port, IReadOnlyList<string> SeedNodes);

/// <summary>The validated configuration of one supervisor node.</summary>
public sealed record SupervisorConfig(
    string NodeName,
    Uri AdminUrl,
    TimeSpan PollInterval,
    int MaxConcurrentRestarts,
    JournalConfig Journal,
    ClusterConfig Cluster,
    IReadOnlyList<TunnelSettings> Tunnels,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The bearer token of mutating admin routes (from the environment or Admin:TokenFile; it never prints).</summary>
    public AdminToken AdminToken { get; init; } = AdminToken.None;

    /// <summary>Supervise every peer of every local interface in the watched namespaces, not only the configured tunnels.</summary>
    public bool Discover { get; init; } = true;

    /// <summary>Namespaces watched besides those of configured tunnels (null stands for the host's own).</summary>
    public IReadOnlyList<string?> Namespaces { get; init; } = [null];

    /// <summary>The settings a discovered tunnel gets (Defaults applied); name, interface and peer are filled in.</summary>
    public TunnelSettings DiscoveryTemplate { get; init; } = new()
    {
        Name = "discovered", Interface = "wg0", PeerPublicKey = "", WgQuickConfig = "/etc/wireguard/wg0.conf", Discovered = true,
    };
}

/// <summary>One problem with the configuration: where (key path, or file and line) and what is wrong.</summary>
public sealed record ConfigProblem(string Where, string Problem)
{
    public override string ToString() => $"{Where}: {Problem}";
}

public sealed class ConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception($"configuration has {problems.Count} problem(s):{Environment.NewLine}" +
                string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}

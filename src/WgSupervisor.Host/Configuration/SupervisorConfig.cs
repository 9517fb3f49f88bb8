using WgSupervisor.Domain.Tunnels;
using WgSupervisor.Host.Admin;

namespace WgSupervisor.Host.Configuration;

public enum JournalProvider
{
    Sqlite,
    PostgreSql,
}

/// <param name="LogAcknowledgements">Log every write the journal acknowledges (diagnostics; the crash test reads them).</param>
/// <param name="RetentionDays">Drop events older than this many days (null: keep all), but always keep the last <paramref name="KeepLastEvents"/>.</param>
public sealed record JournalConfig(JournalProvider Provider, string SqlitePath, string? ConnectionString, int SnapshotEvery,
    bool LogAcknowledgements = false, int? RetentionDays = null, int KeepLastEvents = 1000);

public enum BackendKind
{
    /// <summary>The machine's WireGuard (kernel module or userspace).</summary>
    WireGuard,
    /// <summary>A simulated world of tunnels, for demos, benchmarks and crash tests.</summary>
    Simulated,
}

/// <summary>Akka.Cluster settings. Disabled, the node joins itself (a cluster of one) and uses only its own limits.</summary>
/// <param name="MaxConcurrentRestarts">The cluster-wide restart budget (C), granted by a singleton; at most one repair per site at once.</param>
/// <param name="SplitBrain">keep-majority (three or more nodes), static-quorum (with QuorumSize), or keep-oldest (two gateways).</param>
/// <param name="StableAfter">How long membership must be stable before the split-brain resolver decides (downing takes about this plus failure detection).</param>
public sealed record ClusterConfig(
    string Hostname,
    int Port,
    IReadOnlyList<string> SeedNodes,
    bool Enabled = false,
    string? PublicHostname = null,
    IReadOnlyList<string>? Roles = null,
    int MaxConcurrentRestarts = 4,
    TimeSpan? LeaseDuration = null,
    string SplitBrain = "keep-majority",
    int? QuorumSize = null,
    TimeSpan? StableAfter = null,
    TimeSpan? AcceptableHeartbeatPause = null)
{
    public TimeSpan Lease => LeaseDuration ?? TimeSpan.FromMinutes(5);
    public TimeSpan SplitBrainStableAfter => StableAfter ?? TimeSpan.FromSeconds(10);
}

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
    public BackendKind Backend { get; init; } = BackendKind.WireGuard;

    public IReadOnlyList<Notifications.WebhookSettings> Webhooks { get; init; } = [];

    /// <summary>Repair permits per site at once (null: no per-site limit).</summary>
    public int? MaxConcurrentRestartsPerSite { get; init; }

    public WgSupervisor.WireGuard.Simulation.SimulationSettings? Simulation { get; init; }

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

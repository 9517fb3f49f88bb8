namespace WgSupervisor.Host.Configuration;

/// <summary>The supervisor's cluster settings (named apart from Akka.Cluster.ClusterSettings, which Akka code imports). Disabled, the node joins itself (a cluster of one) and uses only its own limits.</summary>
/// <param name="MaxConcurrentRestarts">The cluster-wide restart budget (C), granted by a singleton; at most one repair per site at once.</param>
/// <param name="SplitBrain">keep-majority (three or more nodes), static-quorum (with QuorumSize), or keep-oldest (two gateways).</param>
/// <param name="StableAfter">How long membership must be stable before the split-brain resolver decides (downing takes about this plus failure detection).</param>
public sealed record SupervisorClusterSettings(
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

    public static SupervisorClusterSettings Default => new("127.0.0.1", 0, []);
}

/// <summary>The Cluster section, with its SplitBrain and FailureDetector parts.</summary>
public static class ClusterSection
{
    public const string Name = "Cluster";

    /// <summary>The port when the cluster is enabled and none is given (disabled, 0: any free port).</summary>
    private const int EnabledPort = 4053;
    private static readonly string[] SplitBrainStrategies = ["keep-majority", "static-quorum", "keep-oldest"];

    private static readonly KeyTable<SupervisorClusterSettings> SplitBrainKeys = new KeyTable<SupervisorClusterSettings>()
        .Key("Strategy", (k, c) =>
        {
            var strategy = k.Text ?? c.SplitBrain;
            if (!SplitBrainStrategies.Contains(strategy)) k.Problem($"one of {string.Join(", ", SplitBrainStrategies)}");
            return c with { SplitBrain = strategy };
        })
        .Key("QuorumSize", (k, c) => c with { QuorumSize = k.OptionalInteger(2, minimum: 1) })
        .Check((section, c) =>
        {
            if (c.SplitBrain == "static-quorum" && c.QuorumSize is null) section.Problem("QuorumSize", "static-quorum needs a QuorumSize");
        })
        .Key("StableAfterSeconds", (k, c) => c with { StableAfter = k.Seconds(c.SplitBrainStableAfter.TotalSeconds, minimum: 1) });

    private static readonly KeyTable<SupervisorClusterSettings> FailureDetectorKeys = new KeyTable<SupervisorClusterSettings>()
        .Key("AcceptableHeartbeatPauseSeconds", (k, c) => c with { AcceptableHeartbeatPause = k.OptionalSeconds(3, minimum: 0.5) });

    private static readonly KeyTable<SupervisorClusterSettings> Keys = new KeyTable<SupervisorClusterSettings>()
        .Key("Enabled", (k, c) => c with { Enabled = k.Boolean(c.Enabled) })
        .Key("Hostname", (k, c) => c with { Hostname = k.Text ?? c.Hostname })
        .Key("Port", (k, c) => c with { Port = k.Integer(c.Enabled ? EnabledPort : c.Port, minimum: 0, maximum: 65535) })
        .Key("PublicHostname", (k, c) => c with { PublicHostname = k.Text })
        .Key("SeedNodes", (k, c) => c with { SeedNodes = SeedNodesOf(k, c.Enabled) })
        .Key("Roles", (k, c) => c with { Roles = RolesOf(k) })
        .Key("MaxConcurrentRestarts", (k, c) => c with { MaxConcurrentRestarts = k.Integer(c.MaxConcurrentRestarts, minimum: 1) })
        .Key("LeaseSeconds", (k, c) => c with { LeaseDuration = k.Seconds(c.Lease.TotalSeconds, minimum: 5) })
        .Key("SplitBrain", (k, c) => SplitBrainKeys.Read(k, c))
        .Key("FailureDetector", (k, c) => FailureDetectorKeys.Read(k, c));

    public static SupervisorClusterSettings Read(SettingsReader reader, IConfiguration section) => Keys.Read(reader, section, Name, SupervisorClusterSettings.Default);

    private static IReadOnlyList<string> SeedNodesOf(KeyReader key, bool enabled)
    {
        var seeds = key.Section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (seed, index) in seeds.Select((s, i) => (s, i)))
            if (!seed.StartsWith("akka.tcp://", StringComparison.Ordinal))
                key.Problem($"{index}", "a seed node is an address like akka.tcp://wgsupervisor@host:port");
        if (!enabled && seeds.Count > 0) key.Problem("seed nodes are only used with Cluster:Enabled true");
        return seeds;
    }

    private static IReadOnlyList<string>? RolesOf(KeyReader key)
    {
        var roles = key.Section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (_, index) in roles.Select((r, i) => (r, i)).Where(r => !ConfigPatterns.Name().IsMatch(r.r)))
            key.Problem($"{index}", ConfigPatterns.NameRule);
        return roles.Count > 0 ? roles : null;
    }
}

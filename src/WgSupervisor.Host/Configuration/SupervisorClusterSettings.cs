using System.Net;
using WgSupervisor.Host.Security;

namespace WgSupervisor.Host.Configuration;

/// <summary>The supervisor's cluster settings (named apart from Akka.Cluster.ClusterSettings, which Akka code imports). Disabled, the node joins itself (a cluster of one) and uses only its own limits.</summary>
/// <param name="MaxConcurrentRestarts">The cluster-wide restart budget (C), granted by a singleton; at most one repair per site at once.</param>
/// <param name="SplitBrain">keep-majority (three or more nodes), static-quorum (with QuorumSize), or keep-oldest (two gateways).</param>
/// <param name="StableAfter">How long membership must be stable before the split-brain resolver decides (downing takes about this plus failure detection).</param>
/// <param name="Tls">Mutual TLS for remoting (null: plaintext, which only loopback or AllowPlaintextRemoting permits).</param>
/// <param name="AllowPlaintextRemoting">The operator's explicit consent to unencrypted, unauthenticated remoting on a network address.</param>
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
    TimeSpan? AcceptableHeartbeatPause = null,
    ClusterTlsSettings? Tls = null,
    bool AllowPlaintextRemoting = false)
{
    /// <summary>Akka.Remote's scheme for TLS over DotNetty, and for plain TCP.</summary>
    public const string TlsScheme = "akka.ssl.tcp", PlainScheme = "akka.tcp";

    /// <summary>The scheme of this node's Akka addresses (and so of its seed nodes).</summary>
    public string Scheme => Tls is null ? PlainScheme : TlsScheme;

    /// <summary>Every host this node is known by is a loopback address: remoting never leaves the machine.</summary>
    public bool IsLoopbackOnly => IsLoopback(Hostname) && (PublicHostname is null || IsLoopback(PublicHostname));

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

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
        .Key("FailureDetector", (k, c) => FailureDetectorKeys.Read(k, c))
        .Key(ClusterTlsSection.Name, (k, c) => c with { Tls = k.Section.Exists() ? ClusterTlsSection.Keys.Read(k, ClusterTlsSettings.None) : null })
        .Key("AllowPlaintextRemoting", (k, c) => c with { AllowPlaintextRemoting = k.Boolean(c.AllowPlaintextRemoting) })
        .Check(CheckSeedSchemes)
        .Check(RefusePlaintextOnTheNetwork);

    public static SupervisorClusterSettings Read(SettingsReader reader, IConfiguration section) => Keys.Read(reader, section, Name, SupervisorClusterSettings.Default);

    private static IReadOnlyList<string> SeedNodesOf(KeyReader key, bool enabled)
    {
        var seeds = key.Section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (seed, index) in seeds.Select((s, i) => (s, i)))
            if (!seed.StartsWith("akka.tcp://", StringComparison.Ordinal) && !seed.StartsWith("akka.ssl.tcp://", StringComparison.Ordinal))
                key.Problem($"{index}", "a seed node is an address like akka.tcp://wgsupervisor@host:port (akka.ssl.tcp:// with Cluster:Tls)");
        if (!enabled && seeds.Count > 0) key.Problem("seed nodes are only used with Cluster:Enabled true");
        return seeds;
    }

    /// <summary>Akka only associates with an address of its own transport's scheme: a seed of the other scheme would never answer.</summary>
    private static void CheckSeedSchemes(SectionContext section, SupervisorClusterSettings c)
    {
        var other = c.Tls is null ? SupervisorClusterSettings.TlsScheme : SupervisorClusterSettings.PlainScheme;
        foreach (var (seed, index) in c.SeedNodes.Select((s, i) => (s, i)).Where(s => s.s.StartsWith($"{other}://", StringComparison.Ordinal)))
            section.Problem($"SeedNodes:{index}", c.Tls is null
                ? $"{seed} is a TLS address, but Cluster:Tls is not configured: use {c.Scheme}://, or configure Cluster:Tls"
                : $"{seed} is a plaintext address, but remoting uses TLS (Cluster:Tls): use {c.Scheme}://");
    }

    /// <summary>Secure by default: a cluster reachable from the network authenticates its peers, unless the operator said otherwise.</summary>
    private static void RefusePlaintextOnTheNetwork(SectionContext section, SupervisorClusterSettings c)
    {
        if (!c.Enabled || c.Tls is not null || c.IsLoopbackOnly) return;
        var host = c.PublicHostname is { } publicHost && !c.Hostname.Equals(publicHost, StringComparison.Ordinal) ? $"{c.Hostname} / {publicHost}" : c.Hostname;
        if (c.AllowPlaintextRemoting)
            section.Reader.Warn($"Cluster:AllowPlaintextRemoting is true: remoting on {host} is neither encrypted nor authenticated");
        else
            section.Problem(ClusterTlsSection.Name, $"the cluster listens on {host}, not loopback: configure mutual TLS for remoting (Cluster:Tls, "
                + "certificates from `wgsupervisor certs`), or set Cluster:AllowPlaintextRemoting true on a network you trust");
    }

    private static IReadOnlyList<string>? RolesOf(KeyReader key)
    {
        var roles = key.Section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        foreach (var (_, index) in roles.Select((r, i) => (r, i)).Where(r => !ConfigPatterns.Name().IsMatch(r.r)))
            key.Problem($"{index}", ConfigPatterns.NameRule);
        return roles.Count > 0 ? roles : null;
    }
}

using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;
using WgSupervisor.WireGuard.Simulation;

namespace WgSupervisor.Host.Configuration;

public enum BackendKind
{
    /// <summary>The machine's WireGuard (kernel module or userspace).</summary>
    WireGuard,
    /// <summary>A simulated world of tunnels, for demos, benchmarks and crash tests.</summary>
    Simulated,
}

/// <summary>The validated configuration of one supervisor node, assembled from its sections by <see cref="ConfigLoader"/>.</summary>
public sealed record SupervisorSettings(
    string NodeName,
    Uri AdminUrl,
    TimeSpan PollInterval,
    int MaxConcurrentRestarts,
    JournalSettings Journal,
    SupervisorClusterSettings Cluster,
    IReadOnlyList<TunnelSettings> Tunnels,
    IReadOnlyList<string> Warnings)
{
    public BackendKind Backend { get; init; } = BackendKind.WireGuard;

    public IReadOnlyList<WebhookSettings> Webhooks { get; init; } = [];

    /// <summary>Repair permits per site at once (null: no per-site limit).</summary>
    public int? MaxConcurrentRestartsPerSite { get; init; }

    /// <summary>Repairs that touch one peer only (re-resolve, reset) at once: a limit of their own, not queued behind restarts.</summary>
    public int MaxConcurrentPeerRepairs { get; init; } = PermitLimits.DefaultMaxConcurrentPeer;

    /// <summary>When tunnels that go stale together have their repairs held as one common cause.</summary>
    public CommonCausePolicy CommonCause { get; init; } = CommonCausePolicy.Default;

    public SimulationSettings? Simulation { get; init; }

    /// <summary>The bearer token of mutating admin routes (from the environment or Admin:TokenFile; it never prints).</summary>
    public AdminToken AdminToken { get; init; } = AdminToken.None;

    /// <summary>The read-only token of the admin endpoint (GET and HEAD), for dashboards and Prometheus; it never prints.</summary>
    public AdminToken AdminReadToken { get; init; } = AdminToken.None;

    /// <summary>The certificate of an https:// <see cref="AdminUrl"/> (paths only; loaded when the host starts).</summary>
    public Security.CertificateSource AdminCertificate { get; init; } = Security.CertificateSource.None;

    /// <summary>Failed authentications allowed per client address and window before the admin endpoint answers 429.</summary>
    public AuthFailureBudget AdminAuthFailures { get; init; } = AuthFailureBudget.Default;

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

using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Tests.Support;

/// <summary>Tunnel summaries as a running tunnel reports them, for the host's surfaces to show.</summary>
internal static class Summaries
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static TunnelSummary Of(string name, TunnelPhase phase, string node = "gw1", string? cause = null, string? diagnosis = null,
        DateTimeOffset? episodeStartedAt = null) => new(
        Name: name, Node: node, Namespace: "wgs-gw", Interface: "wg0", PeerPublicKey: "nF1tVvDOAQ0S5tLk1lYNx1q0yq2VxXgKxV+7zmF0ukE=", Site: name,
        Phase: phase, PhaseSince: T0, Reason: diagnosis is null ? null : $"held: {diagnosis}", LatestHandshake: T0.AddSeconds(-200), RxBytes: 10,
        TxBytes: 20, Endpoint: "10.250.1.2:51820", InterfacePresent: true, ObservedAt: T0, RepairCount: 1, CurrentRepair: null, LastRepair: null,
        BackoffUntil: null, Cause: cause, Diagnosis: diagnosis, EpisodeStartedAt: episodeStartedAt);
}

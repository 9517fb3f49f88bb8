using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>What the operator sees of one tunnel: its state and what it last observed.</summary>
/// <param name="Cause">The cause the latest diagnosis named (a <see cref="Diagnosis.CauseNames"/> wire name), while the
/// tunnel is unhealthy; null otherwise.</param>
/// <param name="Diagnosis">The latest diagnosis in words ("site lost its session", "endpoint moved to 10.0.0.2").</param>
/// <param name="EpisodeStartedAt">When the current episode (first stale since the last healthy) began.</param>
/// <param name="Recovering">The tunnel's supervisor is still reading its history, or (when the fleet polls) has not observed the
/// tunnel once since it started: <see cref="Phase"/> is what the journal said, or nothing yet, not what the tunnel is now.</param>
/// <remarks>
/// The admin API, the cluster serializer and the CLI read these properties by name: keep names and types.
/// Built in one place from a running tunnel (<see cref="TunnelWatch.Summary"/>), always with named arguments.
/// </remarks>
public sealed record TunnelSummary(
    string Name,
    string Node,
    string? Namespace,
    string Interface,
    string PeerPublicKey,
    string? Site,
    TunnelPhase Phase,
    DateTimeOffset? PhaseSince,
    string? Reason,
    DateTimeOffset? LatestHandshake,
    long RxBytes,
    long TxBytes,
    string? Endpoint,
    bool InterfacePresent,
    DateTimeOffset? ObservedAt,
    int RepairCount,
    RepairInFlight? CurrentRepair,
    RepairSummary? LastRepair,
    DateTimeOffset? BackoffUntil,
    string? Verdict = null,
    ProbeSummary? Probe = null,
    IReadOnlyList<string>? Warnings = null,
    DateTimeOffset? QuarantinedUntil = null,
    string? Cause = null,
    string? Diagnosis = null,
    DateTimeOffset? EpisodeStartedAt = null,
    bool Recovering = false)
{
    /// <summary>A tunnel whose actor has not reported yet (its history is being read): recovering.</summary>
    public static TunnelSummary NotYetObserved(TunnelSettings settings, string node) => new(
        Name: settings.Name,
        Node: node,
        Namespace: settings.Namespace,
        Interface: settings.Interface,
        PeerPublicKey: settings.PeerPublicKey,
        Site: settings.Site,
        Phase: TunnelPhase.Unknown,
        PhaseSince: null,
        Reason: "reading its history from the journal",
        LatestHandshake: null,
        RxBytes: 0,
        TxBytes: 0,
        Endpoint: null,
        InterfacePresent: false,
        ObservedAt: null,
        RepairCount: 0,
        CurrentRepair: null,
        LastRepair: null,
        BackoffUntil: null,
        Recovering: true);

    public IReadOnlyList<string> WarningsOrEmpty => Warnings ?? [];

    /// <summary>Handshake age at <paramref name="now"/>, or null if the peer never handshook (or was not seen).</summary>
    public double? HandshakeAgeSeconds(DateTimeOffset now) =>
        LatestHandshake is { } handshake ? Math.Max(0, Math.Round((now - handshake).TotalSeconds, 1)) : null;
}

/// <summary>What the tunnel's probe last said.</summary>
public sealed record ProbeSummary(string Target, bool? LastSucceeded, int ConsecutiveFailures, DateTimeOffset? LastSuccessAt, string? LastError);

/// <summary>One observation kept for the operator's chart: handshake age (null: never), counters, and the phase then.</summary>
/// <remarks>A struct: a tunnel keeps hundreds, a node thousands of tunnels.</remarks>
public readonly record struct TunnelSample(DateTimeOffset At, double? HandshakeAgeSeconds, long RxBytes, long TxBytes, TunnelPhase Phase);

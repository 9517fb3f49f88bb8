using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Host.Admin;

/// <summary>A tunnel as the admin API shows it (camelCase JSON). No key but the peer's public key.</summary>
/// <param name="Cause">What the latest diagnosis named, as a wire name (interface-gone, peer-missing, endpoint-moved, session-lost,
/// traffic-blocked, site-unreachable, underlay-down, operator-request); null while healthy or before any diagnosis.</param>
/// <param name="Diagnosis">The same in words, for people ("site lost its session", "underlay down for 4 of 4 tunnels").</param>
/// <param name="EpisodeStartedAt">When the current episode (first stale since the last healthy) began.</param>
public sealed record TunnelResource(
    string Name,
    string Node,
    string? Namespace,
    string Interface,
    string PeerPublicKey,
    string? Site,
    string State,
    string? Reason,
    DateTimeOffset? StateSince,
    double? HandshakeAgeSeconds,
    DateTimeOffset? LatestHandshake,
    long RxBytes,
    long TxBytes,
    string? Endpoint,
    bool InterfacePresent,
    DateTimeOffset? ObservedAt,
    int RestartCount,
    RepairResource? CurrentRepair,
    RepairResource? LastRepair,
    DateTimeOffset? BackoffUntil,
    double? BackoffRemainingSeconds,
    string? Verdict,
    ProbeSummary? Probe,
    IReadOnlyList<string> Warnings,
    DateTimeOffset? QuarantinedUntil,
    string NodeStatus = "up",
    double? InformationAgeSeconds = null,
    string? LastKnownState = null,
    IReadOnlyList<string>? ClaimedAlsoBy = null,
    string? Cause = null,
    string? Diagnosis = null,
    DateTimeOffset? EpisodeStartedAt = null)
{
    /// <summary>
    /// A tunnel as the cluster sees it: on a node that is down its state reads "node-down" (the last known one
    /// beside it); on an unreachable node it keeps its last known state with the age of that information.
    /// </summary>
    public static TunnelResource From(TunnelView view, DateTimeOffset now)
    {
        var resource = From(view.Summary, now);
        var nodeDown = view.NodeStatus == Actors.Clustering.NodeStatus.Down;
        return resource with
        {
            NodeStatus = view.NodeStatus.ToString().ToLowerInvariant(),
            InformationAgeSeconds = view.InformationSince is { } since ? Math.Max(0, Math.Round((now - since).TotalSeconds, 1)) : null,
            State = nodeDown ? "node-down" : resource.State,
            LastKnownState = nodeDown ? resource.State : resource.LastKnownState,
            ClaimedAlsoBy = view.ClaimedAlsoBy.Count > 0 ? view.ClaimedAlsoBy : null,
        };
    }

    /// <summary>
    /// A tunnel still recovering reads "recovering" (never a default state): beside it, the state its journal gave it,
    /// once read (null while the history is being read, or when the journal knew nothing of it).
    /// </summary>
    public static TunnelResource From(TunnelSummary s, DateTimeOffset now)
    {
        var resource = FromSummary(s, now);
        return s.Recovering
            ? resource with { State = RecoveringState, LastKnownState = s.PhaseSince is null && s.Phase == TunnelPhase.Unknown ? null : resource.State }
            : resource;
    }

    /// <summary>The state of a tunnel whose history is being read, or that has not been observed since start-up.</summary>
    public const string RecoveringState = "recovering";

    private static TunnelResource FromSummary(TunnelSummary s, DateTimeOffset now) => new(
        s.Name, s.Node, s.Namespace, s.Interface, s.PeerPublicKey, s.Site, StateName(s.Phase), s.Reason, s.PhaseSince,
        s.HandshakeAgeSeconds(now), s.LatestHandshake, s.RxBytes, s.TxBytes, s.Endpoint, s.InterfacePresent, s.ObservedAt, s.RepairCount,
        s.CurrentRepair is { } c ? new RepairResource(c.Rung.ToWireName(), null, c.StartedAt, null, null) : null,
        s.LastRepair is { } l ? new RepairResource(l.Rung.ToWireName(), OutcomeName(l.Outcome), l.At, l.Duration.TotalSeconds, l.Detail) : null,
        s.BackoffUntil,
        s.BackoffUntil is { } until && s.Phase == TunnelPhase.Backoff ? Math.Max(0, Math.Round((until - now).TotalSeconds, 1)) : null,
        s.Verdict, s.Probe, s.WarningsOrEmpty, s.QuarantinedUntil,
        Cause: s.Cause, Diagnosis: s.Diagnosis, EpisodeStartedAt: s.EpisodeStartedAt);

    /// <summary>Every state a tunnel can be in, as the API spells it (the ?state= filter takes these).</summary>
    public static IReadOnlyList<string> StateNames => [.. Enum.GetValues<TunnelPhase>().Select(StateName), RecoveringState];

    public static string StateName(TunnelPhase phase) => phase.ToString().ToLowerInvariant();

    public static string OutcomeName(RepairOutcome outcome) => outcome switch
    {
        RepairOutcome.Succeeded => "succeeded",
        RepairOutcome.ActionFailed => "action-failed",
        RepairOutcome.VerifyTimedOut => "verify-timed-out",
        RepairOutcome.Interrupted => "interrupted",
        _ => outcome.ToString(),
    };
}

public sealed record RepairResource(string Rung, string? Outcome, DateTimeOffset At, double? DurationSeconds, string? Detail);

using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>The states of a supervised tunnel. Healthy → Stale → Restarting → Backoff is the spine.</summary>
public enum TunnelPhase
{
    /// <summary>Supervision started, no judgement yet (no observation, or waiting for a first handshake).</summary>
    Unknown,
    Healthy,
    /// <summary>Judged broken; waiting for a repair permit from the fleet.</summary>
    Stale,
    /// <summary>A repair is running or being verified.</summary>
    Restarting,
    /// <summary>A repair failed; waiting before the next rung.</summary>
    Backoff,
    /// <summary>Maintenance: observed and shown, never repaired, until an operator resumes it.</summary>
    Paused,
    /// <summary>Repaired too often in a short time: no automatic repair until the window passes or an operator releases it.</summary>
    Quarantined,
    /// <summary>A movable tunnel that another node of the cluster carries now; this node keeps its interface down.</summary>
    Standby,
    /// <summary>
    /// Stale, but the diagnosis found a cause no repair on this gateway can fix (the underlay is down, the site does not
    /// answer): watched, not repaired, until the evidence clears. Held time does not count toward the quarantine.
    /// </summary>
    Held,
}

public sealed record RepairInFlight(RepairRung Rung, int Attempt, DateTimeOffset StartedAt, string By);

public sealed record RepairSummary(RepairRung Rung, RepairOutcome Outcome, DateTimeOffset At, TimeSpan Duration, string Detail);

/// <summary>
/// A tunnel's state, rebuilt from its events by <see cref="Apply"/> (pure). Everything a restart of the
/// supervisor must keep (the phase, the backoff deadline, the rung reached in this episode) lives here.
/// </summary>
public sealed record TunnelState
{
    public static readonly TunnelState Initial = new();

    public TunnelPhase Phase { get; init; } = TunnelPhase.Unknown;
    public DateTimeOffset? PhaseSince { get; init; }
    public string? Reason { get; init; }
    public StaleReason? StaleReason { get; init; }

    /// <summary>When the current episode (first Stale since the last Healthy) began; orders the permit queue.</summary>
    public DateTimeOffset? EpisodeStartedAt { get; init; }

    /// <summary>Why the current episode began (the stale reason before any backoff), to pick rungs that can help.</summary>
    public StaleReason? EpisodeReason { get; init; }

    /// <summary>Failed repairs in the current episode: the next attempt is this plus one.</summary>
    public int FailedAttempts { get; init; }

    public RepairInFlight? CurrentRepair { get; init; }
    public RepairSummary? LastRepair { get; init; }
    public DateTimeOffset? BackoffUntil { get; init; }

    /// <summary>Repairs started since the tunnel was first supervised.</summary>
    public int RepairCount { get; init; }

    /// <summary>When the latest repairs started (the last <see cref="RecentRepairsKept"/>), for the flapping quarantine.</summary>
    public ValueList<DateTimeOffset> RecentRepairs { get; init; } = ValueList<DateTimeOffset>.Empty;

    public DateTimeOffset? QuarantinedUntil { get; init; }

    public const int RecentRepairsKept = 64;

    /// <summary>Who asked for the pending repair, when an operator did.</summary>
    public string? By { get; init; }

    public int NextAttempt => FailedAttempts + 1;

    public TunnelState Apply(ITunnelEvent e) => e switch
    {
        TunnelBecameHealthy h => this with
        {
            Phase = TunnelPhase.Healthy, PhaseSince = h.At, Reason = h.Reason, StaleReason = null,
            EpisodeStartedAt = null, EpisodeReason = null, FailedAttempts = 0, CurrentRepair = null, BackoffUntil = null, By = null,
        },
        TunnelWentStale s => this with
        {
            Phase = TunnelPhase.Stale, PhaseSince = s.At, Reason = s.Detail, StaleReason = s.Reason,
            EpisodeStartedAt = EpisodeStartedAt ?? s.At, CurrentRepair = null, BackoffUntil = null, By = s.By,
            EpisodeReason = s.Reason == Tunnels.StaleReason.BackoffElapsed ? EpisodeReason : s.Reason,
        },
        RepairStarted r => this with
        {
            Phase = TunnelPhase.Restarting, PhaseSince = r.At, Reason = $"{r.Rung.ToWireName()} attempt {r.Attempt}",
            CurrentRepair = new RepairInFlight(r.Rung, r.Attempt, r.At, r.By), RepairCount = RepairCount + 1,
            RecentRepairs = new ValueList<DateTimeOffset>(RecentRepairs.TakeLast(RecentRepairsKept - 1).Append(r.At)),
        },
        RepairFinished f => this with
        {
            CurrentRepair = null,
            LastRepair = new RepairSummary(f.Rung, f.Outcome, f.At, f.Duration, f.Detail),
            FailedAttempts = f.Outcome == RepairOutcome.Succeeded ? 0 : FailedAttempts + 1,
        },
        BackoffStarted b => this with
        {
            Phase = TunnelPhase.Backoff, PhaseSince = b.At, BackoffUntil = b.Until,
            Reason = $"backoff after {b.FailedAttempts} failed repair(s)",
        },
        TunnelPaused p => EndEpisode() with
        {
            Phase = TunnelPhase.Paused, PhaseSince = p.At, Reason = p.Reason is null ? $"paused by {p.By}" : $"paused by {p.By}: {p.Reason}",
        },
        TunnelResumed r => EndEpisode() with { Phase = TunnelPhase.Unknown, PhaseSince = r.At, Reason = $"resumed by {r.By}" },
        TunnelQuarantined q => this with
        {
            Phase = TunnelPhase.Quarantined, PhaseSince = q.At, Reason = q.Reason, QuarantinedUntil = q.Until, CurrentRepair = null,
            BackoffUntil = null,
        },
        TunnelReleased r => EndEpisode() with
        {
            Phase = TunnelPhase.Unknown, PhaseSince = r.At, Reason = $"released by {r.By}: {r.Reason}",
            RecentRepairs = r.ResetBudget ? ValueList<DateTimeOffset>.Empty : RecentRepairs,
        },
        RepairHeld h => this with { Phase = TunnelPhase.Held, PhaseSince = h.At, Reason = $"held: {h.Diagnosis}", CurrentRepair = null, BackoffUntil = null },
        HistoryGap or TunnelRetired or TunnelNameConflict or BudgetUnavailable or TunnelTakenOver or TunnelHandedOver => this,
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "unknown tunnel event"),
    };

    /// <summary>Forgets the current episode: the ladder starts from the bottom again.</summary>
    private TunnelState EndEpisode() => this with
    {
        StaleReason = null, EpisodeStartedAt = null, EpisodeReason = null, FailedAttempts = 0, CurrentRepair = null, BackoffUntil = null,
        By = null, QuarantinedUntil = null,
    };

    /// <summary>Repairs started within the window ending at <paramref name="now"/>.</summary>
    public int RepairsWithin(TimeSpan window, DateTimeOffset now) => RecentRepairs.Count(at => now - at < window);

    public TunnelState ApplyAll(IEnumerable<ITunnelEvent> events) => events.Aggregate(this, (s, e) => s.Apply(e));
}

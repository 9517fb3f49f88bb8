using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>
/// The transition rules of the tunnel state machine: given the state and what happened, which events to
/// record. Pure, so that every rule is tested without an actor system; the actor persists what these return
/// and derives its effects (ask for a permit, run a repair, arm a timer) from the phase it lands in.
/// </summary>
public static class TunnelRules
{
    private static readonly IReadOnlyList<ITunnelEvent> Nothing = [];

    /// <summary>An observation was judged while no repair is running.</summary>
    public static IReadOnlyList<ITunnelEvent> OnVerdict(TunnelState state, HealthVerdict verdict, DateTimeOffset now) =>
        (state.Phase, verdict) switch
        {
            (TunnelPhase.Unknown, HealthVerdict.Healthy h) => [new TunnelBecameHealthy(now, h.Detail)],
            // An operator's restart waits for its permit however healthy the tunnel looks: that was the point of asking.
            (TunnelPhase.Stale, HealthVerdict.Healthy) when state.By is not null => Nothing,
            (TunnelPhase.Stale, HealthVerdict.Healthy h) => [new TunnelBecameHealthy(now, $"recovered before a repair: {h.Detail}")],
            (TunnelPhase.Backoff, HealthVerdict.Healthy h) => [new TunnelBecameHealthy(now, $"recovered during backoff: {h.Detail}")],
            (TunnelPhase.Held, HealthVerdict.Healthy h) => [new TunnelBecameHealthy(now, $"recovered while held: {h.Detail}")],
            (TunnelPhase.Quarantined, HealthVerdict.Healthy h) =>
            [
                new TunnelReleased(now, Supervisor, "recovered on its own", ResetBudget: false),
                new TunnelBecameHealthy(now, $"recovered during quarantine: {h.Detail}"),
            ],
            (TunnelPhase.Unknown or TunnelPhase.Healthy, HealthVerdict.Stale s) => [new TunnelWentStale(now, s.Reason, s.Detail)],
            _ => Nothing,
        };

    /// <summary>The fleet granted a permit: start the rung the diagnosis chose (or, for an operator's request, the ladder's next).</summary>
    public static RepairStarted OnPermitGranted(TunnelState state, TunnelSettings settings, DateTimeOffset now, Diagnosis? diagnosis = null) =>
        diagnosis is { Rung: { } rung }
            ? new(now, rung, state.NextAttempt, state.By ?? Supervisor, diagnosis.Cause, diagnosis.Description)
            : new(now, NextRung(state, settings), state.NextAttempt, state.By ?? Supervisor);

    /// <summary>The diagnosis found nothing on this gateway can help: hold the repairs.</summary>
    public static IReadOnlyList<ITunnelEvent> OnDiagnosedHold(TunnelState state, Diagnosis diagnosis, DateTimeOffset now) =>
        state.Phase == TunnelPhase.Stale && diagnosis.Holds ? [new RepairHeld(now, diagnosis.Cause, diagnosis.Description)] : Nothing;

    /// <summary>The evidence that held the repairs cleared while the tunnel is still stale: repair it now.</summary>
    public static IReadOnlyList<ITunnelEvent> OnHoldCleared(TunnelState state, Diagnosis diagnosis, DateTimeOffset now) =>
        state.Phase == TunnelPhase.Held && !diagnosis.Holds
            ? [new TunnelWentStale(now, state.EpisodeReason ?? StaleReason.ProbeFailing, $"hold ended: {diagnosis.Description}")]
            : Nothing;

    /// <summary>The rung the next attempt will use (the ladder position, adjusted to why the tunnel is stale).</summary>
    public static RepairRung NextRung(TunnelState state, TunnelSettings settings) =>
        settings.RungForAttempt(state.NextAttempt, state.EpisodeReason ?? state.StaleReason);

    public const string Supervisor = "supervisor";

    /// <summary>A fresh handshake arrived while a repair was being verified.</summary>
    public static IReadOnlyList<ITunnelEvent> OnRepairVerified(TunnelState state, DateTimeOffset now, string detail)
    {
        var repair = Require(state);
        return
        [
            new RepairFinished(now, repair.Rung, RepairOutcome.Succeeded, now - repair.StartedAt, detail, repair.Attempt),
            new TunnelBecameHealthy(now, $"repaired by {repair.Rung.ToWireName()}: {detail}"),
        ];
    }

    /// <summary>The repair failed (action error, verify time-out, or interrupted by a crash): back off.</summary>
    /// <param name="unitRandom">A draw in [0, 1] for the jitter.</param>
    public static IReadOnlyList<ITunnelEvent> OnRepairFailed(TunnelState state, TunnelSettings settings, RepairOutcome outcome,
        string detail, DateTimeOffset now, double unitRandom)
    {
        if (outcome == RepairOutcome.Succeeded) throw new ArgumentException("a failure needs a failing outcome", nameof(outcome));
        var repair = Require(state);
        var finished = new RepairFinished(now, repair.Rung, outcome, now - repair.StartedAt, detail, repair.Attempt);
        var failed = state.FailedAttempts + 1;
        return [finished, new BackoffStarted(now, now + BackoffDelay(state.Apply(finished), settings, repair.Rung, unitRandom), failed)];
    }

    /// <summary>Short when the next attempt climbs to a rung not yet tried; exponential on the rung where the ladder tops out.</summary>
    private static TimeSpan BackoffDelay(TunnelState afterFailure, TunnelSettings settings, RepairRung failedRung, double unitRandom)
    {
        var failedIndex = settings.Ladder.ToList().IndexOf(failedRung);
        if (settings.Ladder.ToList().IndexOf(NextRung(afterFailure, settings)) > failedIndex) return settings.Backoff.EscalationDelay;
        var failuresOnThisRung = Math.Max(1, afterFailure.FailedAttempts - Math.Max(0, failedIndex));
        return settings.Backoff.Delay(failuresOnThisRung, unitRandom);
    }

    /// <summary>Recovered in Restarting with no repair open: the crash fell between a failure and its backoff.</summary>
    public static BackoffStarted OnBackoffMissing(TunnelState state, TunnelSettings settings, DateTimeOffset now, double unitRandom) =>
        new(now, now + settings.Backoff.Delay(Math.Max(1, state.FailedAttempts), unitRandom), Math.Max(1, state.FailedAttempts));

    /// <summary>
    /// The history was read after a stop: a repair that was in flight is recorded as interrupted and backed off, and
    /// a stop that fell between a failure and its backoff gets the backoff. Any other phase goes on as it was.
    /// </summary>
    /// <param name="unitRandom">Draws in [0, 1] for the jitter, only when a backoff starts.</param>
    public static IReadOnlyList<ITunnelEvent> OnRecovered(TunnelState state, TunnelSettings settings, DateTimeOffset now, Func<double> unitRandom) =>
        state.Phase != TunnelPhase.Restarting ? Nothing
        : state.CurrentRepair is not null
            ? OnRepairFailed(state, settings, RepairOutcome.Interrupted, "the supervisor stopped while this repair was in flight", now, unitRandom())
            : [OnBackoffMissing(state, settings, now, unitRandom())];

    public static TunnelWentStale OnBackoffElapsed(TunnelState state, TunnelSettings settings, DateTimeOffset now) =>
        new(now, StaleReason.BackoffElapsed,
            $"backoff elapsed after {state.FailedAttempts} failed repair(s); next rung {NextRung(state, settings).ToWireName()}");

    /// <summary>
    /// The flapping quarantine: when these events make the tunnel stale (of its own accord, not by an operator)
    /// and it was already repaired <see cref="QuarantinePolicy.MaxRepairs"/> times within the window, it is
    /// quarantined instead of repaired once more.
    /// </summary>
    public static IReadOnlyList<ITunnelEvent> WithQuarantine(TunnelState state, TunnelSettings settings, IReadOnlyList<ITunnelEvent> events,
        DateTimeOffset now)
    {
        if (events.Count == 0 || events[^1] is not TunnelWentStale stale || stale.Reason == StaleReason.OperatorRequest) return events;
        var policy = settings.Quarantine;
        var repairs = state.RepairsWithin(policy.Window, now);
        if (repairs < policy.MaxRepairs) return events;
        var until = policy.ReleaseAfterWindow ? policy.ReleaseTime(state.RecentRepairs) : (DateTimeOffset?)null;
        var reason = $"{repairs} repairs within {HealthRules.Seconds(policy.Window)} (limit {policy.MaxRepairs}): no automatic repair " +
                     (until is { } end ? $"until {end:O}" : "until an operator releases it");
        return [.. events, new TunnelQuarantined(now, until, reason)];
    }

    public static IReadOnlyList<ITunnelEvent> OnQuarantineWindowPassed(TunnelState state, DateTimeOffset now) =>
        state.Phase == TunnelPhase.Quarantined
            ? [new TunnelReleased(now, Supervisor, "the quarantine window passed", ResetBudget: false)]
            : Nothing;

    /// <summary>An operator ends a quarantine; the repairs counted so far are forgotten.</summary>
    public static IReadOnlyList<ITunnelEvent> OnOperatorRelease(TunnelState state, DateTimeOffset now, string by) =>
        state.Phase == TunnelPhase.Quarantined ? [new TunnelReleased(now, by, "released by an operator", ResetBudget: true)] : Nothing;

    /// <summary>Maintenance: a repair in flight is recorded as interrupted, and nothing is repaired until resumed.</summary>
    public static IReadOnlyList<ITunnelEvent> OnPause(TunnelState state, DateTimeOffset now, string by, string? reason)
    {
        if (state.Phase == TunnelPhase.Paused) return Nothing;
        return state.CurrentRepair is { } repair
            ? [new RepairFinished(now, repair.Rung, RepairOutcome.Interrupted, now - repair.StartedAt, $"paused by {by}", repair.Attempt), new TunnelPaused(now, by, reason)]
            : [new TunnelPaused(now, by, reason)];
    }

    public static IReadOnlyList<ITunnelEvent> OnResume(TunnelState state, DateTimeOffset now, string by) =>
        state.Phase == TunnelPhase.Paused ? [new TunnelResumed(now, by)] : Nothing;

    /// <summary>An operator asked for a repair: it skips a backoff or a quarantine, but joins neither a queued nor a running repair.</summary>
    public static IReadOnlyList<ITunnelEvent> OnOperatorRestart(TunnelState state, DateTimeOffset now, string by) =>
        state.Phase is TunnelPhase.Unknown or TunnelPhase.Healthy or TunnelPhase.Backoff or TunnelPhase.Quarantined or TunnelPhase.Held
            ? [new TunnelWentStale(now, StaleReason.OperatorRequest, $"restart requested by {by}", by)]
            : Nothing;

    private static RepairInFlight Require(TunnelState state) =>
        state.CurrentRepair ?? throw new InvalidOperationException($"no repair in flight (phase {state.Phase})");
}

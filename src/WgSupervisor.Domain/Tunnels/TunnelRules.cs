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
            (TunnelPhase.Stale, HealthVerdict.Healthy h) => [new TunnelBecameHealthy(now, $"recovered before a repair: {h.Detail}")],
            (TunnelPhase.Backoff, HealthVerdict.Healthy h) => [new TunnelBecameHealthy(now, $"recovered during backoff: {h.Detail}")],
            (TunnelPhase.Unknown or TunnelPhase.Healthy, HealthVerdict.Stale s) => [new TunnelWentStale(now, s.Reason, s.Detail)],
            _ => Nothing,
        };

    /// <summary>The fleet granted a permit: start the rung this attempt has reached.</summary>
    public static RepairStarted OnPermitGranted(TunnelState state, TunnelSettings settings, DateTimeOffset now) =>
        new(now, NextRung(state, settings), state.NextAttempt, state.RequestedBy ?? Supervisor);

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
            new RepairFinished(now, repair.Rung, RepairOutcome.Succeeded, now - repair.StartedAt, detail),
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
        var finished = new RepairFinished(now, repair.Rung, outcome, now - repair.StartedAt, detail);
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

    public static TunnelWentStale OnBackoffElapsed(TunnelState state, TunnelSettings settings, DateTimeOffset now) =>
        new(now, StaleReason.BackoffElapsed,
            $"backoff elapsed after {state.FailedAttempts} failed repair(s); next rung {NextRung(state, settings).ToWireName()}");

    /// <summary>An operator asked for a repair: it skips a backoff, but joins neither a queued nor a running repair.</summary>
    public static IReadOnlyList<ITunnelEvent> OnOperatorRestart(TunnelState state, DateTimeOffset now, string requestedBy) =>
        state.Phase is TunnelPhase.Unknown or TunnelPhase.Healthy or TunnelPhase.Backoff
            ? [new TunnelWentStale(now, StaleReason.OperatorRequest, $"restart requested by {requestedBy}", requestedBy)]
            : Nothing;

    private static RepairInFlight Require(TunnelState state) =>
        state.CurrentRepair ?? throw new InvalidOperationException($"no repair in flight (phase {state.Phase})");
}

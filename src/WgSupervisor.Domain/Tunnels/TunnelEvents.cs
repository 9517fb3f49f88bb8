using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Repair;

namespace WgSupervisor.Domain.Tunnels;

/// <summary>
/// What happened to a tunnel, persisted in its journal. Past tense; each carries the time it happened.
/// Serialized by an explicit serializer with short, versioned manifests: renaming these types is safe.
/// </summary>
public interface ITunnelEvent
{
    DateTimeOffset At { get; }
}

/// <summary>Why a tunnel was judged stale.</summary>
public enum StaleReason
{
    HandshakeTooOld,
    NeverHandshaken,
    InterfaceMissing,
    PeerMissing,
    OperatorRequest,
    BackoffElapsed,
    ProbeFailing,
    ReceiveStall,
}

public sealed record TunnelBecameHealthy(DateTimeOffset At, string Reason) : ITunnelEvent;

/// <param name="By">Who asked for the repair when an operator did (null: the supervisor's own judgement).</param>
public sealed record TunnelWentStale(DateTimeOffset At, StaleReason Reason, string Detail, string? By = null) : ITunnelEvent;

/// <param name="Attempt">The attempt within this episode, from 1: it picks the rung of the ladder.</param>
/// <param name="By">"supervisor", or who asked (operator, node).</param>
/// <param name="Cause">What the diagnosis found, which chose this rung (null: histories from before diagnosis, or an
/// operator's request).</param>
/// <param name="Diagnosis">The diagnosis in words.</param>
public sealed record RepairStarted(DateTimeOffset At, RepairRung Rung, int Attempt, string By, Cause? Cause = null, string? Diagnosis = null)
    : ITunnelEvent;

/// <summary>The diagnosis found a cause no repair on this gateway can fix: the tunnel is watched, not repaired, until it clears.</summary>
public sealed record RepairHeld(DateTimeOffset At, Cause Cause, string Diagnosis) : ITunnelEvent;

/// <param name="Attempt">The attempt within its episode (from 1); 0 in histories written before it was recorded (v1).</param>
public sealed record RepairFinished(DateTimeOffset At, RepairRung Rung, RepairOutcome Outcome, TimeSpan Duration, string Detail, int Attempt = 0)
    : ITunnelEvent;

public sealed record BackoffStarted(DateTimeOffset At, DateTimeOffset Until, int FailedAttempts) : ITunnelEvent;

/// <summary>The journal was down so long that the oldest waiting events were dropped; says how many, from when.</summary>
public sealed record HistoryGap(DateTimeOffset At, long DroppedEvents, DateTimeOffset Since) : ITunnelEvent;

/// <summary>A discovered tunnel is no longer supervised: its peer is gone from the interface and from the conf.</summary>
public sealed record TunnelRetired(DateTimeOffset At, string Reason) : ITunnelEvent;

/// <summary>An operator put the tunnel into maintenance: it is observed and shown, never repaired.</summary>
public sealed record TunnelPaused(DateTimeOffset At, string By, string? Reason) : ITunnelEvent;

public sealed record TunnelResumed(DateTimeOffset At, string By) : ITunnelEvent;

/// <summary>
/// Too many repairs in the window: no more automatic repairs until <paramref name="Until"/> (null: until an
/// operator releases it). <paramref name="Reason"/> says how many repairs in how long.
/// </summary>
public sealed record TunnelQuarantined(DateTimeOffset At, DateTimeOffset? Until, string Reason) : ITunnelEvent;

/// <param name="ResetBudget">An operator's release forgets the repairs counted so far; the window's end does not.</param>
public sealed record TunnelReleased(DateTimeOffset At, string By, string Reason, bool ResetBudget) : ITunnelEvent;

/// <summary>Another node of the cluster supervises a tunnel of the same name: a configuration mistake, reported, never merged.</summary>
public sealed record TunnelNameConflict(DateTimeOffset At, string OtherNode) : ITunnelEvent;

/// <summary>The cluster-wide restart budget could not be asked: this repair went ahead under the node's own limit.</summary>
public sealed record BudgetUnavailable(DateTimeOffset At, string Reason) : ITunnelEvent;

/// <summary>This node brought a movable tunnel up (its primary went down, or an operator moved it here).</summary>
public sealed record TunnelTakenOver(DateTimeOffset At, string From, string Reason) : ITunnelEvent;

/// <summary>This node took a movable tunnel down so that another node carries it.</summary>
public sealed record TunnelHandedOver(DateTimeOffset At, string To, string Reason) : ITunnelEvent;

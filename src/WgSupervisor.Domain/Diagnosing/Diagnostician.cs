using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;

namespace WgSupervisor.Domain.Diagnosing;

/// <summary>
/// Names the cause of a stale tunnel from the evidence, and picks the one rung of the operator's ladder that can fix
/// it, or holds when nothing on this gateway can (the underlay is down, the site does not answer). Pure.
/// </summary>
/// <remarks>
/// The order is the order of certainty: what is missing locally first, then a moved endpoint (the name says so), then
/// the underlay (a shared or probed outage makes every rung futile), then what an earlier repair of this episode
/// showed, and a lost session last, when everything else is sound.
/// </remarks>
public static class Diagnostician
{
    private static readonly RepairRung[] InterfaceRungs = [RepairRung.RestartInterface, RepairRung.Command];
    private static readonly RepairRung[] PeerRungs = [RepairRung.ResetPeer, RepairRung.RestartInterface, RepairRung.Command];
    private static readonly RepairRung[] MoveRungs = [RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface, RepairRung.Command];

    public static Diagnosis Diagnose(Evidence evidence)
    {
        if (!evidence.InterfacePresent)
            return Pick(evidence, Cause.InterfaceGone, $"interface {evidence.Interface} is gone", InterfaceRungs);
        if (!evidence.PeerPresent)
            return Pick(evidence, Cause.PeerMissing, $"the peer is missing from interface {evidence.Interface}", PeerRungs);
        if (evidence.Resolution.HasAnswer && !evidence.Resolution.Includes(evidence.CurrentEndpoint))
            return Pick(evidence, Cause.EndpointMoved,
                $"endpoint moved to {string.Join(", ", evidence.Resolution.Addresses)} (WireGuard still sends to {evidence.CurrentEndpoint ?? "no endpoint"})",
                MoveRungs);
        if (evidence is { UnderlayAnswers: false, UnderlayProbeConfigured: true })
            return Hold(Cause.UnderlayDown, $"underlay down: {evidence.UnderlayTarget} does not answer outside the tunnel");
        if (evidence.SharedCause is { } shared && evidence.UnderlayAnswers != true)
            return Hold(Cause.UnderlayDown, evidence.UnderlayAnswers == false
                ? $"{shared.Describe()}; {evidence.UnderlayTarget} does not answer pings either"
                : shared.Describe());
        if (evidence.FailedRepair is { Outcome: not RepairOutcome.ActionFailed } failed)
            return AfterFailedRepair(evidence, failed);
        return Pick(evidence, Cause.SessionLost, $"the site lost its session ({evidence.Symptom}){NotShared(evidence)}", PeerRungs);
    }

    /// <summary>Why a tunnel of a group that went stale together is repaired anyway: its own site answers.</summary>
    private static string NotShared(Evidence evidence) => evidence is { SharedCause: { } shared, UnderlayAnswers: true }
        ? $"; not the shared outage of {shared.Group}: {evidence.UnderlayTarget} answers outside the tunnel"
        : "";

    /// <summary>A repair of this episode ran and did not verify: whether our fresh handshake was answered tells why.</summary>
    private static Diagnosis AfterFailedRepair(Evidence evidence, RepairSummary failed)
    {
        var startedAt = failed.At - failed.Duration;
        var answered = evidence.LatestHandshake is { } handshake && handshake >= DateTimeOffset.FromUnixTimeSeconds(startedAt.ToUnixTimeSeconds());
        // After a peer repair, an unanswered handshake means the site does not answer: hold. After an interface-wide
        // one the operator's ladder had nothing cheaper to try, so it goes on as the ladder says, with its backoff.
        if (!answered && failed.Rung.IsInterfaceWide())
            return new Diagnosis(Cause.SiteUnreachable,
                $"the site did not answer the fresh handshake of {failed.Rung.ToWireName()}; trying the ladder again after its backoff",
                evidence.LadderPositionRung);
        if (!answered)
            return Hold(Cause.SiteUnreachable, evidence.UnderlayAnswers == true
                ? $"the site answers pings but not the fresh handshake of {failed.Rung.ToWireName()}: its WireGuard is down"
                : $"the site did not answer the fresh handshake of {failed.Rung.ToWireName()}: its line or the underlay is down; WireGuard keeps retrying");
        var blocked = $"a fresh handshake was answered after {failed.Rung.ToWireName()}, yet traffic does not pass";
        return failed.Rung.IsInterfaceWide()
            ? new Diagnosis(Cause.TrafficBlocked, blocked, evidence.LadderPositionRung)
            : Pick(evidence, Cause.TrafficBlocked, blocked, InterfaceRungs);
    }

    /// <summary>
    /// The first rung of <paramref name="fitting"/> that the operator's ladder holds; after a rung whose action could not
    /// run, only those above it. The ladder's own position when none fits; a hold when the ladder cannot act on this cause.
    /// </summary>
    private static Diagnosis Pick(Evidence evidence, Cause cause, string description, IReadOnlyList<RepairRung> fitting)
    {
        var ladder = evidence.Ladder.ToList();
        var lowest = evidence.FailedRepair is { Outcome: RepairOutcome.ActionFailed } failed ? ladder.IndexOf(failed.Rung) + 1 : 0;
        foreach (var rung in fitting)
            if (ladder.IndexOf(rung) >= lowest) return new Diagnosis(cause, description, rung);
        if (cause == Cause.InterfaceGone && !ladder.Any(r => r.IsInterfaceWide()))
            return Hold(cause, $"{description}, and no rung of the ladder brings an interface up");
        return new Diagnosis(cause, description, evidence.LadderPositionRung);
    }

    private static Diagnosis Hold(Cause cause, string description) => new(cause, description, null);
}

using Akka.Actor;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Diagnosing;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Specs;

/// <summary>The tunnel diagnoses before it asks for a permit, repairs with the rung the cause calls for, and holds when none can help.</summary>
public sealed class DiagnosisSpecs(ITestOutputHelper output) : OneTunnelSpec(output, nameof(DiagnosisSpecs))
{
    private static readonly IReadOnlyList<RepairRung> DefaultLadder = RepairLadder.Default;
    private static readonly SharedCause NodeDown = new("node gw1", 4, 4);

    [Fact]
    public void A_name_that_resolves_elsewhere_now_is_repaired_by_reresolve_and_the_repair_says_why()
    {
        WireGuard.Resolution = EndpointResolution.Resolved("site-a.example:51820", ["198.51.100.9"]);
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder));
        Observe(tunnel, TooOld());

        Assert.False(ExpectPermitRequest().InterfaceWide);
        Assert.Equal(RepairRung.ReresolveEndpoint, Grant(tunnel, 1).Rung);
        var (started, _) = ExpectRecorded<RepairStarted>();
        Assert.Equal(Cause.EndpointMoved, started.Cause);
        Assert.Contains("moved to 198.51.100.9", started.Diagnosis);
        var restarting = ExpectPhase(TunnelPhase.Restarting);
        Assert.Equal("endpoint-moved", restarting.Cause);
    }

    [Fact]
    public void A_shared_cause_holds_the_repair_withdraws_the_request_and_a_recovery_ends_the_hold_without_a_repair()
    {
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder));
        Observe(tunnel, TooOld());
        ExpectPermitRequest();

        tunnel.Tell(new SharedCauseChanged(NodeDown));

        var (held, _) = ExpectRecorded<RepairHeld>();
        Assert.Equal(Cause.UnderlayDown, held.Cause);
        Assert.Equal("underlay down for 4 of 4 tunnels of node gw1", held.Diagnosis);
        Fleet.Expect<TunnelToFleet.WithdrawPermitRequest>(hint: "the queued request is withdrawn");
        var summary = ExpectPhase(TunnelPhase.Held);
        Assert.Equal("underlay-down", summary.Cause);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(1)));
        ExpectPhase(TunnelPhase.Healthy);
        Assert.Equal(0, RepairsRun);
        Assert.Empty(RecordedSinceLastRead().OfType<RepairStarted>());
    }

    [Fact]
    public void When_the_shared_cause_clears_the_held_tunnel_gives_WireGuard_one_retry_then_repairs_it()
    {
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder));
        Observe(tunnel, TooOld());
        ExpectPermitRequest();
        tunnel.Tell(new SharedCauseChanged(NodeDown));
        ExpectPhase(TunnelPhase.Held);

        tunnel.Tell(new SharedCauseChanged(null));
        AssertNoPermitTraffic(SettleStaleOrHeld(tunnel));
        Clock.Advance(Thresholds.RekeyTimeout);
        AssertNoPermitTraffic(SettleStaleOrHeld(tunnel));
        Clock.Advance(TimeSpan.FromSeconds(2));

        var stale = ExpectPhase(TunnelPhase.Stale);
        Assert.StartsWith("hold ended: the site lost its session", stale.Reason);
        Assert.False(ExpectPermitRequest().InterfaceWide);
        Assert.Equal(RepairRung.ResetPeer, Grant(tunnel, 2).Rung);
    }

    [Fact]
    public void A_peer_reset_whose_fresh_handshake_goes_unanswered_holds_instead_of_restarting_the_interface()
    {
        WireGuard.OnRepair = call => call.Succeed();
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder));
        Observe(tunnel, TooOld());
        ExpectPermitRequest();
        Assert.Equal(RepairRung.ResetPeer, Grant(tunnel, 1).Rung);
        ExpectRecorded<RepairStarted>();
        Observe(tunnel, NeverHandshaken());
        // The verify timer starts when the tunnel handles its action's completion: let it, before the clock moves.
        SettleStaleOrHeld(tunnel);
        Clock.Advance(TunnelSettings.PeerRungVerifyTimeout);
        var backoff = ExpectPhase(TunnelPhase.Backoff);

        Clock.AdvanceTo(backoff.BackoffUntil!.Value);

        var (held, _) = ExpectRecorded<RepairHeld>();
        Assert.Equal(Cause.SiteUnreachable, held.Cause);
        ExpectPhase(TunnelPhase.Held);
        Clock.Advance(TimeSpan.FromMinutes(10));
        AssertNoPermitTraffic(SettleStaleOrHeld(tunnel));
        Assert.Equal(1, RepairsRun);
    }

    [Fact]
    public void A_shared_cause_whose_site_answers_a_ping_is_not_held_and_the_request_comes_back_without_a_settle()
    {
        var underlay = new FakeUnderlay(answers: true);
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder), prober: underlay);
        Observe(tunnel, TooOld());
        Assert.False(ExpectPermitRequest().UnderlayAnswered);
        Assert.Empty(underlay.Pinged);

        tunnel.Tell(new SharedCauseChanged(NodeDown, PingEndpoint: true));

        Fleet.Expect<TunnelToFleet.WithdrawPermitRequest>(hint: "the request is taken back while the site is pinged");
        Assert.True(ExpectPermitRequest().UnderlayAnswered, "the site answered: the fleet need not wait for a common cause");
        Assert.Equal(["203.0.113.7"], underlay.Pinged.Distinct());
        Assert.Equal(RepairRung.ResetPeer, Grant(tunnel, 1).Rung);
        var (started, before) = ExpectRecorded<RepairStarted>();
        Assert.Contains("not the shared outage of node gw1: 203.0.113.7 answers outside the tunnel", started.Diagnosis);
        Assert.DoesNotContain(before, e => e is RepairHeld);
    }

    [Fact]
    public void A_shared_cause_whose_site_is_silent_too_is_held_and_a_grant_for_the_withdrawn_request_goes_back()
    {
        var underlay = new FakeUnderlay(answers: false);
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder), prober: underlay);
        Observe(tunnel, TooOld());
        ExpectPermitRequest();
        var withdrawnRequest = LastRequestId;

        tunnel.Tell(new SharedCauseChanged(NodeDown, PingEndpoint: true));
        tunnel.Tell(new PermitGranted(7, withdrawnRequest));

        Fleet.Expect<TunnelToFleet.ReleasePermit>(r => r.PermitId == 7, hint: "the grant that crossed the withdrawal goes back");
        var (held, _) = ExpectRecorded<RepairHeld>();
        Assert.Equal(Cause.UnderlayDown, held.Cause);
        Assert.Equal("underlay down for 4 of 4 tunnels of node gw1; 203.0.113.7 does not answer pings either", held.Diagnosis);
        ExpectPhase(TunnelPhase.Held);
        Assert.Equal(0, RepairsRun);
    }

    [Fact]
    public void A_shared_cause_that_appears_while_the_first_evidence_waits_for_a_fresh_poll_is_judged_on_the_pinged_evidence()
    {
        // Polled: the first evidence (no ping: no shared cause yet) waits for an observation newer than the stale one.
        var pingOnItsWay = new TaskCompletionSource();
        var underlay = new FakeUnderlay(answers: true, answerWhen: pingOnItsWay.Task);
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder), prober: underlay, polled: true);
        Observe(tunnel, new TunnelObservation(VirtualNow - TimeSpan.FromSeconds(1), InterfacePresent: true, TooOld().Peer));
        ExpectPhase(TunnelPhase.Stale);

        tunnel.Tell(new SharedCauseChanged(NodeDown, PingEndpoint: true));
        Observe(tunnel, TooOld());
        AssertNoPermitTraffic(SettleStaleOrHeld(tunnel).Where(m => m is not TunnelToFleet.WithdrawPermitRequest).ToList());
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is RepairHeld);

        pingOnItsWay.SetResult();

        Assert.True(ExpectPermitRequest().UnderlayAnswered, "judged on the evidence with the ping, not on the superseded one");
        Assert.Equal(RepairRung.ResetPeer, Grant(tunnel, 1).Rung);
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is RepairHeld);
    }

    [Fact]
    public void Without_PingEndpoints_a_shared_cause_holds_without_a_ping()
    {
        var underlay = new FakeUnderlay(answers: true);
        var (tunnel, _) = Start(Settings(ladder: DefaultLadder), prober: underlay);
        Observe(tunnel, TooOld());
        ExpectPermitRequest();

        tunnel.Tell(new SharedCauseChanged(NodeDown, PingEndpoint: false));

        var (held, _) = ExpectRecorded<RepairHeld>();
        Assert.Equal("underlay down for 4 of 4 tunnels of node gw1", held.Diagnosis);
        Assert.Empty(underlay.Pinged);
    }

    /// <summary>Lets the tunnel handle everything sent so far: it answers a samples query in every phase.</summary>
    private IReadOnlyList<object> SettleStaleOrHeld(IActorRef tunnel)
    {
        tunnel.Tell(GetSamples.Instance, Fleet.Ref);
        return Fleet.Settle<Samples>(_ => true);
    }
}

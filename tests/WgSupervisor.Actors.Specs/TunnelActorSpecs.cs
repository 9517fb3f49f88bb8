using Akka.Actor;
using Akka.TestKit;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;
using RepairCall = WgSupervisor.Actors.Specs.Support.FakeWireGuard.RepairCall;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// The tunnel state machine, one transition per spec, on virtual time. A probe stands in for the fleet (it
/// grants permits by hand); the fake WireGuard's repairs finish when the spec says so.
/// </summary>
public sealed class TunnelActorSpecs(ITestOutputHelper output) : OneTunnelSpec(output, nameof(TunnelActorSpecs))
{
    // ---- Unknown -------------------------------------------------------------------------------------

    [Fact]
    public void A_fresh_handshake_makes_an_unknown_tunnel_healthy()
    {
        var (tunnel, first) = Start();
        Assert.Equal(TunnelPhase.Unknown, first.Phase);
        Assert.Equal(0, first.RepairCount);
        Assert.False(first.InterfacePresent);

        var observation = HandshakeAged(TimeSpan.FromSeconds(30));
        Observe(tunnel, observation);

        var healthy = ExpectPhase(TunnelPhase.Healthy);
        Assert.Equal(VirtualNow, healthy.PhaseSince);
        Assert.Equal("handshake 30 s old", healthy.Reason);
        Assert.Equal(observation.Peer!.LatestHandshake, healthy.LatestHandshake);
        Assert.Equal(observation.At, healthy.ObservedAt);
        Assert.True(healthy.InterfacePresent);
        Assert.Equal((4_096L, 8_192L, "203.0.113.7:51820"), (healthy.RxBytes, healthy.TxBytes, healthy.Endpoint));
        Assert.Equal((Name, Node, "wg0", PeerKey, "site-a"), (healthy.Name, healthy.Node, healthy.Interface, healthy.PeerPublicKey, healthy.Site));
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
    }

    [Fact]
    public void An_observation_sent_while_the_history_is_still_being_read_is_judged_once_it_is_read()
    {
        var tunnel = Sys.ActorOf(TunnelActor.Props(Settings(), Node, Fleet.Ref, WireGuard, () => 1.0), "tunnel-early");
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(3)));

        ExpectPhase(TunnelPhase.Healthy);
    }

    [Fact]
    public void A_missing_interface_makes_an_unknown_tunnel_stale()
    {
        var (tunnel, _) = Start();

        Observe(tunnel, InterfaceMissing());

        ExpectPermitRequest();
        var stale = ExpectPhase(TunnelPhase.Stale);
        Assert.Equal("interface wg0 is missing", stale.Reason);
        Assert.False(stale.InterfacePresent);
        AwaitJournaled(s => s.StaleReason == StaleReason.InterfaceMissing);
    }

    [Fact]
    public void A_missing_peer_makes_an_unknown_tunnel_stale()
    {
        var (tunnel, _) = Start();

        Observe(tunnel, PeerMissing());

        ExpectPermitRequest();
        var stale = ExpectPhase(TunnelPhase.Stale);
        Assert.Equal("peer is missing from interface wg0", stale.Reason);
        Assert.True(stale.InterfacePresent);
        AwaitJournaled(s => s.StaleReason == StaleReason.PeerMissing);
    }

    [Theory]
    [InlineData(179, TunnelPhase.Healthy)]
    [InlineData(180, TunnelPhase.Healthy)]
    [InlineData(181, TunnelPhase.Stale)]
    public void A_handshake_older_than_StaleAfter_makes_the_tunnel_stale(int ageSeconds, TunnelPhase expected)
    {
        var (tunnel, _) = Start();

        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(ageSeconds)));

        if (expected == TunnelPhase.Stale)
        {
            ExpectPermitRequest();
            Assert.Equal("handshake 181 s old (threshold 180 s)", ExpectPhase(TunnelPhase.Stale).Reason);
        }
        else
        {
            Assert.Equal(expected, ExpectSummary(s => s.Phase != TunnelPhase.Unknown, "judged").Phase);
            AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        }
    }

    [Fact]
    public void A_peer_that_never_handshook_goes_stale_StaleAfter_after_it_was_first_observed()
    {
        var (tunnel, _) = Start();
        // Supervision started long before the first observation: the grace counts from the observation.
        Clock.Advance(TimeSpan.FromSeconds(150));

        Observe(tunnel, NeverHandshaken());
        var waiting = ExpectSummary(s => s.ObservedAt == VirtualNow, "first observation");
        Assert.Equal(TunnelPhase.Unknown, waiting.Phase);
        Assert.True(waiting.InterfacePresent);
        Assert.Null(waiting.LatestHandshake);

        Clock.Advance(TimeSpan.FromSeconds(100));
        Observe(tunnel, NeverHandshaken());
        Clock.Advance(StaleAfter - TimeSpan.FromSeconds(100));
        Observe(tunnel, NeverHandshaken());
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));

        Clock.Advance(TimeSpan.FromSeconds(1));
        Observe(tunnel, NeverHandshaken());

        var request = ExpectPermitRequest();
        Assert.Equal(VirtualNow, request.StaleSince);
        var stale = ExpectPhase(TunnelPhase.Stale);
        Assert.Equal("no handshake within 181 s", stale.Reason);
        AwaitJournaled(s => s.StaleReason == StaleReason.NeverHandshaken);
    }

    // ---- Stale ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(RepairRung.RestartInterface, true)]
    [InlineData(RepairRung.Command, true)]
    [InlineData(RepairRung.ResetPeer, false)]
    [InlineData(RepairRung.ReresolveEndpoint, false)]
    public void A_stale_tunnel_asks_the_fleet_for_a_permit_saying_whether_its_rung_is_interface_wide(RepairRung rung, bool interfaceWide)
    {
        var (tunnel, _) = Start(Settings(ladder: [rung]));
        Clock.Advance(TimeSpan.FromSeconds(7));

        Observe(tunnel, HandshakeAged(StaleAfter + TimeSpan.FromSeconds(20)));

        var request = ExpectPermitRequest();
        Assert.Equal(new PermitRequest(Name, "-/wg0", "site-a", interfaceWide, VirtualNow, VirtualNow, request.RequestId), request);
    }

    [Fact]
    public void A_stale_tunnel_that_recovers_before_a_permit_withdraws_its_request()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();

        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(2)));

        Fleet.Expect<TunnelToFleet.WithdrawPermitRequest>(w => w.Tunnel == Name);
        var healthy = ExpectPhase(TunnelPhase.Healthy);
        Assert.Equal("recovered before a repair: handshake 2 s old", healthy.Reason);
        Assert.Equal(0, healthy.RepairCount);
        Assert.Empty(WireGuard.Repairs);
    }

    [Fact]
    public void A_stale_observation_of_a_stale_tunnel_does_not_ask_again()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();

        Clock.Advance(TimeSpan.FromSeconds(10));
        Observe(tunnel, PeerMissing());

        AssertNoPermitTraffic(SettleStale(tunnel));
    }

    [Fact]
    public void A_permit_starts_the_repair_on_the_rung_of_the_ladder()
    {
        var (tunnel, _) = Start(Settings(ladder: [RepairRung.ResetPeer, RepairRung.RestartInterface]));
        Observe(tunnel, HandshakeAged(StaleAfter + TimeSpan.FromSeconds(20)));
        ExpectPermitRequest();
        Clock.Advance(TimeSpan.FromSeconds(3));

        var call = Grant(tunnel, 7);

        Assert.Equal((RepairRung.ResetPeer, Name), (call.Rung, call.Tunnel));
        Assert.False(call.Token.IsCancellationRequested);
        var restarting = ExpectPhase(TunnelPhase.Restarting);
        Assert.Equal(new RepairInFlight(RepairRung.ResetPeer, 1, VirtualNow, TunnelRules.Supervisor), restarting.CurrentRepair);
        Assert.Equal(1, restarting.RepairCount);
        Assert.Equal("reset-peer attempt 1", restarting.Reason);
    }

    [Fact]
    public void With_the_interface_gone_the_ladder_starts_at_its_first_interface_wide_rung()
    {
        var (tunnel, _) = Start(Settings(ladder: [RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface]));

        Observe(tunnel, InterfaceMissing());

        Assert.True(ExpectPermitRequest().InterfaceWide);
        Assert.Equal(RepairRung.RestartInterface, Grant(tunnel, 7).Rung);
    }

    // ---- Restarting ----------------------------------------------------------------------------------

    [Fact]
    public void A_failed_repair_action_backs_off_and_releases_the_permit()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        var call = Grant(tunnel, 7);
        Clock.Advance(TimeSpan.FromSeconds(3));

        call.Fail("wg-quick up failed (exit code 1)");

        ExpectRelease(7);
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Assert.Equal(VirtualNow + BackoffBase, backoff.BackoffUntil);
        Assert.Equal(VirtualNow, backoff.PhaseSince);
        Assert.Null(backoff.CurrentRepair);
        Assert.Equal(1, backoff.RepairCount);
        Assert.Equal(
            new RepairSummary(RepairRung.RestartInterface, RepairOutcome.ActionFailed, VirtualNow, TimeSpan.FromSeconds(3), "wg-quick up failed (exit code 1)"),
            backoff.LastRepair);
        Assert.Equal("backoff after 1 failed repair(s)", backoff.Reason);
    }

    [Fact]
    public void A_repair_task_that_faults_counts_as_a_failed_action()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        var call = Grant(tunnel, 7);

        call.Fault(new IOException("wg-quick: no such file"));

        ExpectRelease(7);
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Assert.Equal(RepairOutcome.ActionFailed, backoff.LastRepair!.Outcome);
        Assert.Equal("wg-quick: no such file", backoff.LastRepair.Detail);
    }

    [Fact]
    public void A_successful_action_and_a_fresh_handshake_within_the_verify_timeout_make_the_tunnel_healthy()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(200)));
        ExpectPermitRequest();
        var call = Grant(tunnel, 7);
        var startedAt = VirtualNow;

        call.Succeed();
        Clock.Advance(TimeSpan.FromSeconds(4));
        var fresh = HandshakeAt(VirtualNow - TimeSpan.FromSeconds(1));
        Observe(tunnel, fresh);

        ExpectRelease(7);
        var healthy = ExpectPhase(TunnelPhase.Healthy);
        Assert.Equal($"repaired by restart-interface: fresh handshake at {fresh.Peer!.LatestHandshake:O}", healthy.Reason);
        Assert.Equal(RepairOutcome.Succeeded, healthy.LastRepair!.Outcome);
        Assert.Equal(VirtualNow - startedAt, healthy.LastRepair.Duration);
        Assert.Equal(1, healthy.RepairCount);
        Assert.Null(healthy.CurrentRepair);
        Assert.Null(healthy.BackoffUntil);
    }

    [Fact]
    public void A_fresh_handshake_seen_before_the_action_reports_success_verifies_the_repair_once_it_does()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        var call = Grant(tunnel, 7);
        Clock.Advance(TimeSpan.FromSeconds(2));

        Observe(tunnel, HandshakeAt(VirtualNow));
        var restarting = ExpectSummary(s => s.LatestHandshake == VirtualNow, "observation during the action");
        Assert.Equal(TunnelPhase.Restarting, restarting.Phase);
        call.Succeed();

        ExpectRelease(7);
        ExpectPhase(TunnelPhase.Healthy);
    }

    [Fact]
    public void Handshakes_not_newer_than_the_one_before_or_older_than_the_repair_do_not_verify_it_and_the_verify_timeout_backs_off()
    {
        WireGuard.OnRepair = call => call.Succeed();
        var (tunnel, _) = Start();
        var before = VirtualNow - TimeSpan.FromSeconds(200);
        Observe(tunnel, HandshakeAt(before));
        ExpectPermitRequest();
        Clock.Advance(TimeSpan.FromSeconds(10));
        Grant(tunnel, 7);
        ExpectPhase(TunnelPhase.Restarting);
        var startedAt = VirtualNow;

        Observe(tunnel, HandshakeAt(before));
        Observe(tunnel, HandshakeAt(startedAt - TimeSpan.FromSeconds(5)));
        // The verify timer starts when the tunnel handles its action's completion: let it, before the clock moves.
        var meanwhile = SettleUnlessStale(tunnel).ToList();
        Clock.Advance(VerifyTimeout - TimeSpan.FromSeconds(1));
        Observe(tunnel, HandshakeAt(startedAt - TimeSpan.FromSeconds(5)));
        meanwhile.AddRange(SettleUnlessStale(tunnel));
        AssertNoPermitTraffic(meanwhile);
        Assert.All(meanwhile.OfType<TunnelToFleet.TunnelChanged>(), c => Assert.Equal(TunnelPhase.Restarting, c.Summary.Phase));

        Clock.Advance(TimeSpan.FromSeconds(1));

        ExpectRelease(7);
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Assert.Equal(RepairOutcome.VerifyTimedOut, backoff.LastRepair!.Outcome);
        Assert.Equal("not verified within 20 s: no fresh handshake", backoff.LastRepair.Detail);
        Assert.Equal(VerifyTimeout, backoff.LastRepair.Duration);
        Assert.Equal(VirtualNow + BackoffBase, backoff.BackoffUntil);
    }

    [Fact]
    public void A_repair_action_that_never_finishes_fails_after_the_action_deadline()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 7);

        Clock.Advance(TimeSpan.FromSeconds(119));
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Clock.Advance(TimeSpan.FromSeconds(1));

        ExpectRelease(7);
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Assert.Equal(RepairOutcome.ActionFailed, backoff.LastRepair!.Outcome);
        Assert.Equal("the repair action did not finish within 120 s", backoff.LastRepair.Detail);
    }

    [Fact]
    public void A_stray_permit_during_a_repair_is_released_without_giving_up_the_one_held()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        var call = Grant(tunnel, 7);

        tunnel.Tell(new PermitGranted(8));
        ExpectRelease(8);
        Assert.DoesNotContain(SettleUnlessStale(tunnel), m => m is TunnelToFleet.ReleasePermit { PermitId: 7 });

        call.Fail();
        ExpectRelease(7);
        Assert.Single(WireGuard.Repairs);
    }

    // ---- Backoff -------------------------------------------------------------------------------------

    [Fact]
    public void When_the_backoff_elapses_the_tunnel_is_stale_again_and_asks_for_a_new_permit()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        var first = ExpectPermitRequest();
        Grant(tunnel, 7).Fail();
        ExpectPhase(TunnelPhase.Backoff);

        Clock.Advance(BackoffBase - TimeSpan.FromMilliseconds(1));
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Clock.Advance(TimeSpan.FromMilliseconds(1));

        var stale = ExpectPhase(TunnelPhase.Stale);
        var again = ExpectPermitRequest();
        Assert.Equal(first.StaleSince, again.StaleSince);
        Assert.Equal(VirtualNow, again.RequestedAt);
        Assert.Equal("backoff elapsed after 1 failed repair(s); next rung restart-interface", stale.Reason);
        AwaitJournaled(s => s is { Phase: TunnelPhase.Stale, StaleReason: StaleReason.BackoffElapsed, FailedAttempts: 1 });
    }

    [Fact]
    public void A_healthy_observation_during_backoff_makes_the_tunnel_healthy_and_cancels_the_backoff()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 7).Fail();
        ExpectPhase(TunnelPhase.Backoff);
        Clock.Advance(TimeSpan.FromSeconds(4));

        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(1)));

        var healthy = ExpectPhase(TunnelPhase.Healthy);
        Assert.Equal("recovered during backoff: handshake 1 s old", healthy.Reason);
        Assert.Null(healthy.BackoffUntil);
        Clock.Advance(BackoffBase);
        var afterDeadline = SettleUnlessStale(tunnel);
        AssertNoPermitTraffic(afterDeadline);
        AwaitJournaled(s => s is { Phase: TunnelPhase.Healthy, FailedAttempts: 0, BackoffUntil: null });
    }

    [Fact]
    public void Consecutive_failures_back_off_exponentially_up_to_the_cap()
    {
        var (tunnel, _) = Start(Settings(backoff: new BackoffPolicy(BackoffBase, 2.0, TimeSpan.FromSeconds(60))));
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        int[] expectedSeconds = [10, 20, 40, 60, 60];

        for (var attempt = 1; attempt <= expectedSeconds.Length; attempt++)
        {
            var call = Grant(tunnel, attempt);
            Assert.Equal(attempt, ExpectPhase(TunnelPhase.Restarting).CurrentRepair!.Attempt);
            call.Fail();
            var delay = TimeSpan.FromSeconds(expectedSeconds[attempt - 1]);
            var backoff = ExpectPhase(TunnelPhase.Backoff);
            Assert.Equal(delay, backoff.BackoffUntil - backoff.PhaseSince);
            Assert.Equal($"backoff after {attempt} failed repair(s)", backoff.Reason);

            Clock.Advance(delay - TimeSpan.FromMilliseconds(1));
            AssertNoPermitTraffic(SettleUnlessStale(tunnel));
            Clock.Advance(TimeSpan.FromMilliseconds(1));
            ExpectPermitRequest();
        }
    }

    [Theory]
    [InlineData(0.0, 1_000)]
    [InlineData(0.5, 5_500)]
    [InlineData(1.0, 10_000)]
    public void The_backoff_is_jittered_between_a_tenth_of_its_bound_and_the_bound(double draw, int expectedMilliseconds)
    {
        var (tunnel, _) = Start(unitRandom: () => draw);
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();

        Grant(tunnel, 7).Fail();

        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), backoff.BackoffUntil - VirtualNow);
    }

    [Fact]
    public void The_diagnosis_skips_a_rung_that_cannot_help_climbs_past_one_that_could_not_run_and_starts_afresh_after_a_success()
    {
        var (tunnel, _) = Start(Settings(ladder: [RepairRung.ReresolveEndpoint, RepairRung.ResetPeer, RepairRung.RestartInterface]));
        Observe(tunnel, HandshakeAged(StaleAfter + TimeSpan.FromSeconds(20)));
        // The name resolves where WireGuard sends already: a lost session, so no re-resolve.
        var expected = new (RepairRung Rung, bool InterfaceWide)[]
        {
            (RepairRung.ResetPeer, false), (RepairRung.RestartInterface, true),
            (RepairRung.RestartInterface, true), // the top rung repeats
        };

        for (var attempt = 1; attempt <= expected.Length; attempt++)
        {
            Assert.Equal(expected[attempt - 1].InterfaceWide, ExpectPermitRequest().InterfaceWide);
            var call = Grant(tunnel, attempt);
            Assert.Equal(expected[attempt - 1].Rung, call.Rung);
            if (attempt == expected.Length) break;
            call.Fail();
            var backoff = ExpectPhase(TunnelPhase.Backoff);
            Clock.AdvanceTo(backoff.BackoffUntil!.Value);
        }

        WireGuard.Repairs[^1].Succeed();
        Observe(tunnel, HandshakeAt(VirtualNow));
        ExpectRelease(expected.Length);
        ExpectPhase(TunnelPhase.Healthy);

        Clock.Advance(TimeSpan.FromSeconds(30));
        Observe(tunnel, HandshakeAged(StaleAfter + TimeSpan.FromSeconds(20)));
        Assert.False(ExpectPermitRequest().InterfaceWide);
        var next = Grant(tunnel, 99);
        Assert.Equal(RepairRung.ResetPeer, next.Rung);
        var restarting = ExpectSummary(s => s.Phase == TunnelPhase.Restarting && s.RepairCount == 4, "fourth repair");
        Assert.Equal(1, restarting.CurrentRepair!.Attempt);
    }

    // ---- Operator ------------------------------------------------------------------------------------

    [Fact]
    public void An_operator_restart_of_a_healthy_tunnel_queues_a_repair_requested_by_the_operator()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(5)));
        ExpectPhase(TunnelPhase.Healthy);

        tunnel.Tell(new RestartRequested("operator:alice"), TestActor);

        ExpectMsg<CommandAccepted>(a => a.Tunnel == Name && a.Detail == "queued for a repair permit", Wait);
        ExpectPermitRequest();
        var stale = ExpectPhase(TunnelPhase.Stale);
        Assert.Equal("restart requested by operator:alice", stale.Reason);

        var call = Grant(tunnel, 7);
        Assert.Equal(RepairRung.RestartInterface, call.Rung);
        Assert.Equal("operator:alice", ExpectPhase(TunnelPhase.Restarting).CurrentRepair!.By);
        AwaitJournaled(s => s.CurrentRepair?.By == "operator:alice");

        // The operator asked for one repair: the next attempt of the episode is the supervisor's again.
        call.Fail();
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Clock.AdvanceTo(backoff.BackoffUntil!.Value);
        ExpectPermitRequest();
        Grant(tunnel, 8);
        Assert.Equal(TunnelRules.Supervisor, ExpectSummary(s => s.RepairCount == 2 && s.Phase == TunnelPhase.Restarting, "second repair").CurrentRepair!.By);
    }

    [Fact]
    public void An_operator_restart_of_an_unknown_tunnel_is_accepted()
    {
        var (tunnel, _) = Start();

        tunnel.Tell(new RestartRequested("operator:alice"), TestActor);

        ExpectMsg<CommandAccepted>(Wait);
        ExpectPermitRequest();
    }

    [Fact]
    public void An_operator_restart_of_a_stale_tunnel_answers_that_a_repair_is_already_queued()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();

        tunnel.Tell(new RestartRequested("operator:alice"), TestActor);

        ExpectMsg<CommandAccepted>(a => a.Detail == "a repair is already queued", Wait);
        AssertNoPermitTraffic(SettleStale(tunnel));
        Grant(tunnel, 7);
        Assert.Equal(TunnelRules.Supervisor, ExpectPhase(TunnelPhase.Restarting).CurrentRepair!.By);
    }

    [Fact]
    public void An_operator_restart_during_a_repair_is_rejected()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 7);

        tunnel.Tell(new RestartRequested("operator:alice"), TestActor);

        ExpectMsg<CommandRejected>(r => r.Tunnel == Name && r.Reason == "a repair is in flight", Wait);
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.Single(WireGuard.Repairs);
    }

    [Fact]
    public void An_operator_restart_during_backoff_skips_the_wait_and_keeps_the_rung_reached()
    {
        var (tunnel, _) = Start(Settings(ladder: [RepairRung.ResetPeer, RepairRung.RestartInterface]));
        Observe(tunnel, HandshakeAged(StaleAfter + TimeSpan.FromSeconds(20)));
        ExpectPermitRequest();
        Grant(tunnel, 7).Fail();
        ExpectPhase(TunnelPhase.Backoff);

        tunnel.Tell(new RestartRequested("operator:bob"), TestActor);

        ExpectMsg<CommandAccepted>(Wait);
        Assert.True(ExpectPermitRequest().InterfaceWide);
        var call = Grant(tunnel, 8);
        Assert.Equal(RepairRung.RestartInterface, call.Rung);
        var restarting = ExpectPhase(TunnelPhase.Restarting);
        Assert.Equal(new RepairInFlight(RepairRung.RestartInterface, 2, VirtualNow, "operator:bob"), restarting.CurrentRepair);
        // The backoff timer is gone: it does not fire into the repair.
        Clock.Advance(BackoffBase);
        Assert.DoesNotContain(SettleUnlessStale(tunnel), m => m is TunnelToFleet.RequestPermit or TunnelToFleet.ReleasePermit { PermitId: 8 });
    }

    [Fact]
    public void A_stray_permit_of_a_healthy_tunnel_is_released_at_once()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(5)));
        ExpectPhase(TunnelPhase.Healthy);

        tunnel.Tell(new PermitGranted(42));

        ExpectRelease(42);
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.Empty(WireGuard.Repairs);
    }

    [Fact]
    public void Summaries_report_each_phase_and_count_the_repairs()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(5)));
        ExpectPhase(TunnelPhase.Healthy);
        Clock.Advance(TimeSpan.FromMinutes(5));
        Observe(tunnel, HandshakeAged(TimeSpan.FromSeconds(190)));
        ExpectPermitRequest();
        Grant(tunnel, 1).Fail();
        var backoff = ExpectPhase(TunnelPhase.Backoff);
        Clock.AdvanceTo(backoff.BackoffUntil!.Value);
        ExpectPermitRequest();
        Grant(tunnel, 2).Succeed();
        Observe(tunnel, HandshakeAt(VirtualNow));
        ExpectRelease(2);
        ExpectPhase(TunnelPhase.Healthy);

        var summaries = Fleet.All.OfType<TunnelToFleet.TunnelChanged>().Select(c => c.Summary).ToList();
        var phases = summaries.Select(s => s.Phase).Where((phase, i) => i == 0 || phase != summaries[i - 1].Phase).ToList();
        Assert.Equal(
            [
                TunnelPhase.Unknown, TunnelPhase.Healthy, TunnelPhase.Stale, TunnelPhase.Restarting, TunnelPhase.Backoff,
                TunnelPhase.Stale, TunnelPhase.Restarting, TunnelPhase.Healthy,
            ],
            phases);
        Assert.Equal([0, 0, 0, 1, 1, 1, 2, 2], summaries.Select(s => s.RepairCount).Where((count, i) => i == 0 || summaries[i].Phase != summaries[i - 1].Phase));
        Assert.Equal(2, summaries[^1].RepairCount);
    }

    // ---- Recovery ------------------------------------------------------------------------------------

    [Fact]
    public void After_a_restart_the_tunnel_waits_only_the_remaining_backoff()
    {
        var (first, _) = Start(actorName: "alpha-first");
        Observe(first, InterfaceMissing());
        ExpectPermitRequest();
        Grant(first, 1).Fail();
        var until = VirtualNow + BackoffBase;
        Assert.Equal(until, ExpectPhase(TunnelPhase.Backoff).BackoffUntil);
        AwaitJournaled(s => s.Phase == TunnelPhase.Backoff && s.BackoffUntil == until);
        Clock.Advance(TimeSpan.FromSeconds(4));
        StopAndWait(first);

        var (second, recovered) = Start(actorName: "alpha-second");

        Assert.Equal(TunnelPhase.Backoff, recovered.Phase);
        Assert.Equal(until, recovered.BackoffUntil);
        Assert.Equal(1, recovered.RepairCount);
        Assert.Equal(RepairOutcome.ActionFailed, recovered.LastRepair!.Outcome);
        AssertNoPermitTraffic(SettleUnlessStale(second));
        Clock.Advance(TimeSpan.FromSeconds(6) - TimeSpan.FromMilliseconds(1));
        AssertNoPermitTraffic(SettleUnlessStale(second));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        ExpectPermitRequest();
        // The episode goes on where it was: this is its second attempt.
        Grant(second, 2);
        Assert.Equal(2, ExpectPhase(TunnelPhase.Restarting).CurrentRepair!.Attempt);
    }

    [Fact]
    public void Recovered_after_the_backoff_deadline_the_tunnel_asks_for_a_permit_at_once()
    {
        var (first, _) = Start(actorName: "alpha-first");
        Observe(first, InterfaceMissing());
        ExpectPermitRequest();
        Grant(first, 1).Fail();
        ExpectPhase(TunnelPhase.Backoff);
        AwaitJournaled(s => s.Phase == TunnelPhase.Backoff);
        StopAndWait(first);
        Clock.Advance(TimeSpan.FromMinutes(3));

        var (_, recovered) = Start(actorName: "alpha-second");

        Assert.Equal(TunnelPhase.Backoff, recovered.Phase);
        Clock.Advance(TimeSpan.Zero); // a due timer fires on the scheduler's next tick
        ExpectPermitRequest();
    }

    [Fact]
    public void A_repair_interrupted_by_a_stop_is_recorded_as_interrupted_and_backs_off_on_recovery()
    {
        var (first, _) = Start(actorName: "alpha-first");
        Observe(first, InterfaceMissing());
        ExpectPermitRequest();
        var call = Grant(first, 1);
        AwaitJournaled(s => s.Phase == TunnelPhase.Restarting);
        Clock.Advance(TimeSpan.FromSeconds(5));
        StopAndWait(first);
        Assert.True(call.Token.IsCancellationRequested, "the stopped tunnel cancels its running repair");

        var (second, recovered) = Start(actorName: "alpha-second");

        Assert.Equal(TunnelPhase.Backoff, recovered.Phase);
        Assert.Equal(RepairOutcome.Interrupted, recovered.LastRepair!.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(5), recovered.LastRepair.Duration);
        Assert.Equal(VirtualNow + BackoffBase, recovered.BackoffUntil);
        Assert.Equal(1, recovered.RepairCount);
        AwaitJournaled(s => s is { Phase: TunnelPhase.Backoff, LastRepair.Outcome: RepairOutcome.Interrupted, FailedAttempts: 1 });
        // A late answer of the interrupted action reaches nobody that cares.
        call.Succeed();
        Clock.Advance(BackoffBase - TimeSpan.FromMilliseconds(1));
        AssertNoPermitTraffic(SettleUnlessStale(second));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        ExpectPermitRequest();
    }

    [Fact]
    public void A_tunnel_recovered_in_stale_asks_for_a_permit_again()
    {
        var (first, _) = Start(actorName: "alpha-first");
        Observe(first, InterfaceMissing());
        var before = ExpectPermitRequest();
        AwaitJournaled(s => s.Phase == TunnelPhase.Stale);
        StopAndWait(first);
        Clock.Advance(TimeSpan.FromSeconds(30));

        var (_, recovered) = Start(actorName: "alpha-second");

        Assert.Equal(TunnelPhase.Stale, recovered.Phase);
        var again = ExpectPermitRequest();
        Assert.Equal(before.StaleSince, again.StaleSince);
        Assert.Equal(VirtualNow, again.RequestedAt);
    }

    [Fact]
    public void Recovery_from_a_snapshot_gives_the_same_state_as_from_the_events()
    {
        var history = new HistorySettings(SnapshotEvery: 2);
        var (first, _) = Start(history: history, actorName: "alpha-first");
        Observe(first, InterfaceMissing());
        ExpectPermitRequest();
        Grant(first, 1).Fail();
        var live = ExpectPhase(TunnelPhase.Backoff);
        AwaitJournaled(s => s.Phase == TunnelPhase.Backoff);
        StopAndWait(first);

        var (_, recovered) = Start(history: history, actorName: "alpha-second");

        Assert.Equal(
            (live.Phase, live.PhaseSince, live.Reason, live.RepairCount, live.CurrentRepair, live.LastRepair, live.BackoffUntil),
            (recovered.Phase, recovered.PhaseSince, recovered.Reason, recovered.RepairCount, recovered.CurrentRepair, recovered.LastRepair,
                recovered.BackoffUntil));
    }

    // ---- Regressions of fixed defects ----------------------------------------------------------------

    /// <summary>
    /// The fleet handles a tunnel's request, withdrawal and new request in order: it grants permit 1 to the first
    /// request (the withdrawal is still on its way), frees permit 1 on the withdrawal, and grants permit 2 to the new
    /// request. Both grants reach the tunnel after it asked again. The tunnel must run its repair under permit 2, the
    /// one the fleet counts. (It once ran under permit 1 and handed permit 2 back, so the fleet believed no repair
    /// was running and granted the slot to another tunnel; grants now echo the request's number.)
    /// </summary>
    [Fact]
    public void A_grant_that_crossed_a_withdrawal_does_not_replace_the_permit_of_the_next_request()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        var first = ExpectPermitRequest();
        Observe(tunnel, HandshakeAt(VirtualNow));
        Fleet.Expect<TunnelToFleet.WithdrawPermitRequest>();
        Observe(tunnel, InterfaceMissing());
        var second = ExpectPermitRequest();
        Assert.NotEqual(first.RequestId, second.RequestId);

        tunnel.Tell(new PermitGranted(1, first.RequestId));
        tunnel.Tell(new PermitGranted(2, second.RequestId));
        var call = Calls.ExpectMsg<RepairCall>(Wait);
        var duringRepair = SettleUnlessStale(tunnel);

        Assert.False(duringRepair.Any(m => m is TunnelToFleet.ReleasePermit { PermitId: 2 }),
            "the tunnel handed back permit 2, the one the fleet counts for its running repair, and repairs under permit 1, which the fleet has freed");
        call.Fail();
        ExpectRelease(2);
    }

}

using Akka.Actor;
using Akka.TestKit;
using WgSupervisor.Actors.Observation;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Actors.Tunnels;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Repair;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Tunnels.TunnelProtocol;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// Maintenance on one tunnel actor, on virtual time (README: "a paused tunnel is observed and shown, never
/// repaired"): whatever phase it is paused in and however long it stays broken, it asks for no permit and runs no
/// repair; resumed, it is judged again.
/// </summary>
public sealed class MaintenanceSpecs(ITestOutputHelper output) : OneTunnelSpec(output, nameof(MaintenanceSpecs))
{
    [Fact]
    public void A_paused_tunnel_that_stays_broken_for_an_hour_is_observed_and_shown_but_never_repaired_and_is_judged_again_on_resume()
    {
        var (tunnel, _) = Start();
        MakeHealthy(tunnel);

        Pause(tunnel, "operator:alice", "moving the site's router");

        var (paused, _) = ExpectRecorded<TunnelPaused>();
        Assert.Equal(("operator:alice", "moving the site's router"), (paused.By, paused.Reason));
        Assert.Equal("paused by operator:alice: moving the site's router", ExpectPhase(TunnelPhase.Paused).Reason);

        var meanwhile = new List<object>();
        for (var minute = 1; minute <= 60; minute++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            Observe(tunnel, minute % 2 == 0 ? InterfaceMissing() : TooOld());
            meanwhile.AddRange(SettleUnlessStale(tunnel));
        }
        AssertNoPermitTraffic(meanwhile);
        Assert.Equal(0, RepairsRun);
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is TunnelWentStale or RepairStarted);
        // Shown: the summary follows the observations, with the verdict of the last one, and stays Paused.
        var shown = meanwhile.OfType<TunnelToFleet.TunnelChanged>().Select(c => c.Summary).ToList();
        Assert.All(shown, s => Assert.Equal(TunnelPhase.Paused, s.Phase));
        Assert.Equal(VirtualNow, shown[^1].ObservedAt);
        Assert.False(shown[^1].InterfacePresent);
        Assert.Equal("interface wg0 is missing", shown[^1].Verdict);

        tunnel.Tell(new ResumeRequested("operator:alice"), TestActor);

        ExpectMsg<CommandAccepted>(a => a.Detail == "resumed; judged again at the next observation", Wait);
        Assert.Equal("operator:alice", ExpectRecorded<TunnelResumed>().Event.By);
        ExpectPhase(TunnelPhase.Unknown);
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 1);
        Assert.Equal(1, RepairsRun);
    }

    [Fact]
    public void Pausing_a_tunnel_that_waits_for_a_permit_withdraws_its_request_and_a_grant_that_crossed_it_goes_back()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        var request = ExpectPermitRequest();

        Pause(tunnel, "operator:alice");

        Fleet.Expect<TunnelToFleet.WithdrawPermitRequest>(w => w.Tunnel == Name);
        ExpectPhase(TunnelPhase.Paused);
        tunnel.Tell(new PermitGranted(7, request.RequestId));
        ExpectRelease(7);
        Clock.Advance(TimeSpan.FromMinutes(10));
        Observe(tunnel, InterfaceMissing());
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.Equal(0, RepairsRun);
    }

    [Fact]
    public void Pausing_during_a_repair_records_it_as_interrupted_releases_the_permit_and_its_late_result_changes_nothing()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        var call = Grant(tunnel, 7);
        Clock.Advance(TimeSpan.FromSeconds(4));

        Pause(tunnel, "operator:alice");

        var (interrupted, _) = ExpectRecorded<RepairFinished>();
        Assert.Equal((RepairOutcome.Interrupted, "paused by operator:alice", TimeSpan.FromSeconds(4)),
            (interrupted.Outcome, interrupted.Detail, interrupted.Duration));
        ExpectRecorded<TunnelPaused>();
        ExpectRelease(7);
        ExpectPhase(TunnelPhase.Paused);

        call.Succeed();
        Clock.Advance(VerifyTimeout + TimeSpan.FromMinutes(2));
        Observe(tunnel, HandshakeAt(VirtualNow));
        Clock.Advance(TimeSpan.FromMinutes(5));
        Observe(tunnel, InterfaceMissing());
        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is RepairFinished or BackoffStarted or TunnelBecameHealthy or TunnelWentStale);
        Assert.Equal(1, RepairsRun);
    }

    [Fact]
    public void Pausing_during_a_backoff_cancels_it_so_no_further_attempt_follows()
    {
        var (tunnel, _) = Start();
        Observe(tunnel, InterfaceMissing());
        ExpectPermitRequest();
        Grant(tunnel, 7).Fail();
        var backoff = ExpectPhase(TunnelPhase.Backoff);

        Pause(tunnel, "operator:alice");
        ExpectRecorded<TunnelPaused>();
        ExpectPhase(TunnelPhase.Paused);
        Clock.AdvanceTo(backoff.BackoffUntil!.Value + TimeSpan.FromMinutes(30));

        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.DoesNotContain(RecordedSinceLastRead(), e => e is TunnelWentStale);
        Assert.Equal(1, RepairsRun);
    }

    [Fact]
    public void A_paused_tunnel_refuses_a_restart_and_a_second_pause_and_only_a_paused_one_can_be_resumed()
    {
        var (tunnel, _) = Start();
        MakeHealthy(tunnel);
        tunnel.Tell(new ResumeRequested("operator:alice"), TestActor);
        ExpectMsg<CommandRejected>(r => r.Reason == "not paused (phase Healthy)", Wait);
        Pause(tunnel, "operator:alice");

        tunnel.Tell(new RestartRequested("operator:bob"), TestActor);
        ExpectMsg<CommandRejected>(r => r.Reason == "the tunnel is paused: resume it first", Wait);
        tunnel.Tell(new PauseRequested("operator:bob", null), TestActor);
        ExpectMsg<CommandRejected>(r => r.Reason == "nothing to do in phase Paused", Wait);

        AssertNoPermitTraffic(SettleUnlessStale(tunnel));
        Assert.Equal(0, RepairsRun);
    }

    [Fact]
    public void A_tunnel_paused_before_the_supervisor_stopped_is_still_paused_and_unrepaired_after_it_starts_again()
    {
        var (first, _) = Start(actorName: "alpha-first");
        MakeHealthy(first);
        Pause(first, "operator:alice");
        ExpectPhase(TunnelPhase.Paused);
        AwaitJournaled(state => state.Phase == TunnelPhase.Paused);
        StopAndWait(first);

        var (second, recovered) = Start(actorName: "alpha-second");

        Assert.Equal(TunnelPhase.Paused, recovered.Phase);
        Clock.Advance(TimeSpan.FromMinutes(30));
        Observe(second, InterfaceMissing());
        AssertNoPermitTraffic(SettleUnlessStale(second));
        Assert.Equal(0, RepairsRun);
    }

    private void Pause(IActorRef tunnel, string by, string? reason = null)
    {
        tunnel.Tell(new PauseRequested(by, reason), TestActor);
        ExpectMsg<CommandAccepted>(a => a.Detail == "paused: observed, never repaired", Wait);
    }
}

/// <summary>
/// Maintenance of a whole site through the fleet (README: "a paused tunnel (or every tunnel of a site)"): every
/// tunnel of the site is paused, none of them is repaired while the others are, and resuming the site brings them
/// back under supervision.
/// </summary>
public sealed class SiteMaintenanceSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Node = "gw1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly FakeWireGuard _wireGuard = new();
    private readonly TestProbe _calls;
    private readonly TestProbe _asker;

    public SiteMaintenanceSpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(SiteMaintenanceSpecs), output)
    {
        _calls = CreateTestProbe("wireguard-calls");
        _asker = CreateTestProbe("admin");
        _wireGuard.Calls = _calls.Ref;
        // Repairs work at once; whether the tunnel comes back is up to the snapshots the spec sends.
        _wireGuard.OnRepair = call => call.Succeed();
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    private DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    [Fact]
    public void Pausing_a_site_pauses_each_of_its_tunnels_none_of_which_is_repaired_until_the_site_is_resumed()
    {
        var fleet = Sys.ActorOf(FleetActor.Props(new FleetSettings(Node, [Tunnel(0, "berlin"), Tunnel(1, "berlin"), Tunnel(2, "paris")],
            PermitLimits.Default, PollInterval: null, HistorySettings.Default), _wireGuard, () => 1.0), "fleet");
        fleet.Tell(new PollerActor.NamespaceObserved(Snapshot(0, 1, 2)));
        AwaitAssert(() => Assert.All(Tunnels(fleet), s => Assert.Equal(TunnelPhase.Healthy, s.Phase)), Wait);

        Assert.Equal(new FleetProtocol.SiteNotFound("rome"), Ask<FleetProtocol.SiteNotFound>(fleet, new FleetProtocol.PauseSite("rome", "operator:alice", null)));
        var sent = Ask<FleetProtocol.SiteCommandSent>(fleet, new FleetProtocol.PauseSite("berlin", "operator:alice", "line works"));
        Assert.Equal("berlin", sent.Site);
        Assert.Equal(["t0", "t1"], sent.Tunnels);
        AwaitAssert(() => Assert.Equal([TunnelPhase.Paused, TunnelPhase.Paused, TunnelPhase.Healthy], Tunnels(fleet).Select(s => s.Phase)), Wait);

        // Every interface gone, for half an hour of polls: only the site that is not paused is repaired.
        PollEveryMinute(fleet, minutes: 30);
        Assert.True(Tunnel(fleet, "t2").RepairCount >= 2, "the tunnel of the other site is repaired (again and again: it stays broken)");
        Assert.All(Tunnels(fleet).Where(s => s.Site == "berlin"), s => Assert.Equal((TunnelPhase.Paused, 0, false), (s.Phase, s.RepairCount, s.InterfacePresent)));
        Assert.DoesNotContain(_wireGuard.Repairs, r => r.Tunnel is "t0" or "t1");

        var resumed = Ask<FleetProtocol.SiteCommandSent>(fleet, new FleetProtocol.ResumeSite("berlin", "operator:alice"));
        Assert.Equal(["t0", "t1"], resumed.Tunnels);
        AwaitAssert(() => Assert.All(Tunnels(fleet).Where(s => s.Site == "berlin"), s => Assert.Equal(TunnelPhase.Unknown, s.Phase)), Wait);
        PollEveryMinute(fleet, minutes: 3);

        Assert.Contains(_wireGuard.Repairs, r => r.Tunnel == "t0");
        Assert.Contains(_wireGuard.Repairs, r => r.Tunnel == "t1");
    }

    /// <summary>
    /// One poll a minute in which every interface is gone; each waits until every tunnel has judged it, so that the
    /// timers the clock fires next (verify, backoff) are the ones this poll's outcome armed.
    /// </summary>
    private void PollEveryMinute(IActorRef fleet, int minutes)
    {
        for (var minute = 1; minute <= minutes; minute++)
        {
            Clock.Advance(TimeSpan.FromMinutes(1));
            fleet.Tell(new PollerActor.NamespaceObserved(Snapshot()));
            var polledAt = VirtualNow;
            AwaitAssert(() => Assert.All(Tunnels(fleet), s => Assert.Equal(polledAt, s.ObservedAt)), Wait);
        }
    }

    private static TunnelSettings Tunnel(int index, string site) => new()
    {
        Name = $"t{index}",
        Interface = $"wg{index}",
        PeerPublicKey = Key(index),
        WgQuickConfig = $"/etc/wireguard/wg{index}.conf",
        Site = site,
        StaleAfter = TimeSpan.FromSeconds(180),
        VerifyTimeout = TimeSpan.FromSeconds(20),
        Backoff = new BackoffPolicy(TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromMinutes(5)),
        Quarantine = new QuarantinePolicy(1000, TimeSpan.FromMinutes(15), true),
    };

    private static string Key(int index) => Convert.ToBase64String(Enumerable.Repeat((byte)(index + 1), 32).ToArray());

    /// <summary>A host-namespace snapshot in which only these tunnels' interfaces exist, each with a handshake just now.</summary>
    private NamespaceSnapshot Snapshot(params int[] present) =>
        new(null, VirtualNow, present.ToDictionary(
            i => $"wg{i}",
            i => new InterfaceStatus($"wg{i}", null, 51820 + i, [new PeerStatus(Key(i), $"198.51.100.{i + 1}:51820", ["10.0.0.0/24"], VirtualNow, 1_000, 2_000, 25)])));

    private T Ask<T>(IActorRef fleet, object query)
    {
        fleet.Tell(query, _asker.Ref);
        return _asker.ExpectMsg<T>(Wait);
    }

    private IReadOnlyList<TunnelSummary> Tunnels(IActorRef fleet) => Ask<FleetProtocol.TunnelList>(fleet, new FleetProtocol.GetTunnels()).Tunnels;
    private TunnelSummary Tunnel(IActorRef fleet, string name) => Ask<FleetProtocol.TunnelFound>(fleet, new FleetProtocol.GetTunnel(name)).Tunnel;
}

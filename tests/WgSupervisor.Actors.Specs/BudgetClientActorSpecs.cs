using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Serialization;
using WgSupervisor.Actors.Specs.Support;
using WgSupervisor.Domain.Fleet;
using WgSupervisor.Domain.Tunnels;
using Xunit;
using Xunit.Abstractions;
using static WgSupervisor.Actors.Clustering.BudgetClientProtocol;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;

namespace WgSupervisor.Actors.Specs;

/// <summary>
/// The fleet's client of the cluster-wide restart budget, between a probe standing in for the fleet (its parent)
/// and a probe standing in for the budget singleton, on virtual time: leases, the 3-s fallback to the node's own
/// limit, denials, handover reports, and leases given back.
/// </summary>
public sealed class BudgetClientActorSpecs : Akka.TestKit.Xunit2.TestKit
{
    private const string Node = "gw1";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(5);

    private readonly TestProbe _fleet;
    private readonly TestProbe _budget;
    private readonly TestProbe _mediator;
    private readonly IActorRef _client;
    private long _nextPermitId = 1;

    public BudgetClientActorSpecs(ITestOutputHelper output) : base(SpecConfig.Config, nameof(BudgetClientActorSpecs), output)
    {
        _fleet = CreateTestProbe("fleet");
        _budget = CreateTestProbe("budget");
        _mediator = CreateTestProbe("mediator");
        _client = _fleet.ChildActorOf(BudgetClientActor.Props(new BudgetClientSettings(Node, LeaseDuration, AnswerTimeout, LocalLimit: 2),
            _budget.Ref, _mediator.Ref), "budget-client");
    }

    private TestScheduler Clock => (TestScheduler)Sys.Scheduler;
    private DateTimeOffset VirtualNow => Sys.Scheduler.Now;

    [Fact]
    public void It_listens_for_a_new_budget_singleton_asking_for_the_leases_held()
    {
        var subscribe = _mediator.ExpectMsg<Subscribe>(Wait);

        Assert.Equal((BudgetTopic, _client), (subscribe.Topic, subscribe.Ref));
    }

    [Fact]
    public void A_permit_goes_to_the_fleet_once_the_budget_leased_it_and_its_lease_is_reported_and_given_back()
    {
        var permit = Permit("t1", site: "berlin");

        var asked = SecureLease(permit);
        Assert.Equal(new AcquireLease($"{Node}:t1:{permit.Id}", Node, "t1", "berlin", LeaseDuration), asked);
        var until = VirtualNow + LeaseDuration;
        _budget.Reply(new LeaseGranted(asked.LeaseId, until));

        Assert.Equal(permit, _fleet.ExpectMsg<LeaseSecured>(Wait).Permit);
        // The answer came: its silence timer is gone.
        Clock.Advance(AnswerTimeout + TimeSpan.FromSeconds(1));
        _fleet.ExpectNoMsg(Quiet);

        // A new singleton (after a handover) asks what this node holds before it grants anything.
        var newSingleton = CreateTestProbe("new-singleton");
        _client.Tell(new ReportLeases("new-singleton"), newSingleton.Ref);
        var report = newSingleton.ExpectMsg<LeasesHeld>(Wait);
        Assert.Equal(Node, report.Node);
        Assert.Equal([new HeldLease(asked.LeaseId, "t1", "berlin", until)], report.Leases);

        _client.Tell(new ReturnLease("t1"));
        Assert.Equal(new ReleaseLease(asked.LeaseId), _budget.ExpectMsg<ReleaseLease>(Wait));
        _client.Tell(new ReportLeases("new-singleton"), newSingleton.Ref);
        Assert.Empty(newSingleton.ExpectMsg<LeasesHeld>(Wait).Leases);
    }

    [Fact]
    public void Without_an_answer_for_3_s_the_repair_goes_ahead_under_the_local_limit_with_a_budget_fallback_event()
    {
        var permit = Permit("t1");
        SecureLease(permit);

        Clock.Advance(AnswerTimeout - TimeSpan.FromMilliseconds(1));
        _fleet.ExpectNoMsg(Quiet);
        Clock.Advance(TimeSpan.FromMilliseconds(1));

        var fallback = _fleet.ExpectMsg<RepairUnderLocalLimit>(Wait);
        Assert.Equal(permit, fallback.Permit);
        Assert.Equal(VirtualNow, fallback.Event.At);
        Assert.Contains("did not answer", fallback.Event.Reason);
        Assert.Contains("own limit", fallback.Warning);
        // The tunnel records it as the event operators know as "budget-fallback".
        Assert.StartsWith("budget-fallback", new TunnelEventSerializer((ExtendedActorSystem)Sys).Manifest(fallback.Event));
    }

    [Fact]
    public void When_the_budget_answers_again_a_late_lease_is_given_back_and_the_next_permit_waits_for_its_lease_again()
    {
        var early = Permit("t1");
        var unanswered = SecureLease(early);
        Clock.Advance(AnswerTimeout);
        _fleet.ExpectMsg<RepairUnderLocalLimit>(Wait);

        // The budget comes back: the lease for the repair that went ahead without it is not kept.
        _client.Tell(new LeaseGranted(unanswered.LeaseId, VirtualNow + LeaseDuration), _budget.Ref);
        Assert.Equal(new ReleaseLease(unanswered.LeaseId), _budget.ExpectMsg<ReleaseLease>(Wait));
        _fleet.ExpectNoMsg(Quiet);

        var next = Permit("t2");
        var asked = SecureLease(next);
        _fleet.ExpectNoMsg(Quiet);
        _budget.Reply(new LeaseGranted(asked.LeaseId, VirtualNow + LeaseDuration));
        Assert.Equal(next, _fleet.ExpectMsg<LeaseSecured>(Wait).Permit);
    }

    [Fact]
    public void A_denied_lease_gives_the_permit_back_and_its_request_comes_back_a_second_later()
    {
        var permit = Permit("t1", site: "berlin");
        var asked = SecureLease(permit);

        _budget.Reply(new LeaseDenied(asked.LeaseId, "site berlin is being repaired by node gw2 (t9)"));

        var refused = _fleet.ExpectMsg<LeaseRefused>(Wait);
        Assert.Equal((permit, "site berlin is being repaired by node gw2 (t9)"), (refused.Permit, refused.Reason));
        Clock.Advance(TimeSpan.FromMilliseconds(999));
        _fleet.ExpectNoMsg(Quiet);
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([permit.Request], _fleet.ExpectMsg<RetryPermitRequests>(Wait).Requests);
        // A denial is an answer: no fallback follows.
        Clock.Advance(AnswerTimeout);
        _fleet.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_tunnel_that_lets_go_while_its_lease_is_asked_for_or_deferred_leaves_nothing_behind()
    {
        var waiting = Permit("t1");
        var asked = SecureLease(waiting);
        _client.Tell(new ReturnLease("t1"));
        Assert.Equal(new ReleaseLease(asked.LeaseId), _budget.ExpectMsg<ReleaseLease>(Wait));
        Clock.Advance(AnswerTimeout);
        _fleet.ExpectNoMsg(Quiet);

        var deferred = Permit("t2");
        var denied = SecureLease(deferred);
        _budget.Reply(new LeaseDenied(denied.LeaseId, "the cluster budget of 1 repair(s) is in use"));
        _fleet.ExpectMsg<LeaseRefused>(Wait);
        _client.Tell(new ReturnLease("t2"));
        Clock.Advance(TimeSpan.FromSeconds(1));
        _fleet.ExpectNoMsg(Quiet);
        _budget.ExpectNoMsg(Quiet);
    }

    private AcquireLease SecureLease(Permit permit)
    {
        _client.Tell(new SecureLease(permit));
        return _budget.ExpectMsg<AcquireLease>(a => a.Tunnel == permit.Request.Tunnel, Wait);
    }

    private Permit Permit(string tunnel, string? site = null)
    {
        var request = new PermitRequest(tunnel, $"-/wg-{tunnel}", site, InterfaceWide: true, StaleSince: VirtualNow, RequestedAt: VirtualNow);
        return new Permit(_nextPermitId++, request, VirtualNow, VirtualNow + TimeSpan.FromMinutes(5));
    }
}

using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Clustering.ClusterProtocol;

namespace WgSupervisor.Actors.Clustering;

/// <summary>
/// The cluster-wide read model behind every node's admin API: each node's fleet publishes its tunnels on a
/// pub-sub topic (all of them every few seconds, each change at once), and this actor keeps the latest of
/// every node together with the membership it sees. A node that becomes unreachable keeps its tunnels in the
/// view, marked with how old the information is; a node that is downed shows its tunnels as on a node that is
/// down — never silently dropped. Pub-sub rather than Distributed Data: the state is owned by one writer per
/// node and replaced whole, so no CRDT merge is needed, and a periodic full publication heals any lost delta.
/// </summary>
public sealed class ClusterViewActor : ReceiveActor
{
    private sealed record NodeEntry(string Name)
    {
        public string? Address { get; set; }
        public NodeStatus Status { get; set; } = NodeStatus.Up;
        public IReadOnlyList<string> Roles { get; set; } = [];
        public DateTimeOffset? LastHeard { get; set; }
        public Dictionary<string, TunnelSummary> Tunnels { get; } = new(StringComparer.Ordinal);
    }

    private readonly string _localNode;
    private readonly IActorRef _localFleet;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (NodeStatus Status, IReadOnlyList<string> Roles)> _membersByAddress = new(StringComparer.Ordinal);
    private readonly HashSet<(string Tunnel, string Node)> _reportedConflicts = [];

    public ClusterViewActor(string localNode, IActorRef localFleet)
    {
        _localNode = localNode;
        _localFleet = localFleet;

        Receive<SubscribeAck>(_ => { });
        Receive<NodeTunnels>(OnNodeTunnels);
        Receive<TunnelDelta>(d =>
        {
            var node = Node(d.Node, d.Address);
            node.Tunnels[d.Tunnel.Name] = d.Tunnel;
            CheckConflicts(d.Tunnel.Name);
        });
        Receive<ClusterEvent.CurrentClusterState>(state =>
        {
            foreach (var member in state.Members) Track(member, StatusOf(member.Status));
            foreach (var member in state.Unreachable) Track(member, NodeStatus.Unreachable);
        });
        Receive<ClusterEvent.IMemberEvent>(e => Track(e.Member, e switch
        {
            ClusterEvent.MemberRemoved => NodeStatus.Down,
            ClusterEvent.MemberDowned => NodeStatus.Down,
            _ => StatusOf(e.Member.Status),
        }));
        Receive<ClusterEvent.UnreachableMember>(e => Track(e.Member, NodeStatus.Unreachable));
        Receive<ClusterEvent.ReachableMember>(e => Track(e.Member, StatusOf(e.Member.Status)));

        Receive<ClusterViewProtocol.GetTunnels>(_ => Sender.Tell(new ClusterViewProtocol.Tunnels(AllTunnels())));
        Receive<ClusterViewProtocol.GetNodes>(_ => Sender.Tell(new ClusterViewProtocol.Nodes(_nodes.Values
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new NodeView(n.Name, n.Address, n.Status, n.Roles, n.Tunnels.Count, n.LastHeard)).ToList())));
        Receive<ClusterViewProtocol.FindOwner>(f =>
        {
            // A movable tunnel is owned by the node that carries it, not by the one standing by.
            var owners = _nodes.Values.Where(n => n.Tunnels.TryGetValue(f.Tunnel, out var t) && t.Phase != TunnelPhase.Standby).ToList();
            if (owners.Count == 0) owners = _nodes.Values.Where(n => n.Tunnels.ContainsKey(f.Tunnel)).ToList();
            // A name claimed twice resolves to this node's own tunnel, else to a node that is up.
            var owner = owners.FirstOrDefault(n => n.Name == _localNode) ?? owners.FirstOrDefault(n => n.Status == NodeStatus.Up) ?? owners.FirstOrDefault();
            Sender.Tell(owner is null
                ? new ClusterViewProtocol.NoOwner(f.Tunnel)
                : new ClusterViewProtocol.Owner(f.Tunnel, owner.Name, owner.Address, owner.Status));
        });
    }

    public static Props Props(string localNode, IActorRef localFleet) => Akka.Actor.Props.Create(() => new ClusterViewActor(localNode, localFleet));

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(TunnelsTopic, Self));
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void OnNodeTunnels(NodeTunnels published)
    {
        var node = Node(published.Node, published.Address);
        node.Tunnels.Clear();
        foreach (var tunnel in published.Tunnels) node.Tunnels[tunnel.Name] = tunnel;
        foreach (var tunnel in published.Tunnels) CheckConflicts(tunnel.Name);
    }

    /// <summary>The entry of a node that just spoke: it is alive, whatever the last membership event said.</summary>
    private NodeEntry Node(string name, string address)
    {
        if (!_nodes.TryGetValue(name, out var node)) _nodes[name] = node = new NodeEntry(name);
        node.Address = address;
        node.LastHeard = Now;
        if (_membersByAddress.TryGetValue(address, out var member))
        {
            node.Status = member.Status;
            node.Roles = member.Roles;
        }
        return node;
    }

    private void Track(Member member, NodeStatus status)
    {
        var address = member.Address.ToString();
        _membersByAddress[address] = (status, member.Roles.OrderBy(r => r, StringComparer.Ordinal).ToList());
        foreach (var node in _nodes.Values.Where(n => n.Address == address))
        {
            if (node.Status != status) _log.Info("Node {Node} is {Status}", node.Name, status);
            node.Status = status;
            node.Roles = _membersByAddress[address].Roles;
        }
    }

    private static NodeStatus StatusOf(MemberStatus status) => status switch
    {
        MemberStatus.Joining or MemberStatus.WeaklyUp => NodeStatus.Joining,
        MemberStatus.Up => NodeStatus.Up,
        MemberStatus.Leaving or MemberStatus.Exiting => NodeStatus.Leaving,
        _ => NodeStatus.Down,
    };

    private IReadOnlyList<ClusterTunnel> AllTunnels() =>
        _nodes.Values.SelectMany(n => n.Tunnels.Values.Select(t => new ClusterTunnel(t, n.Status, n.LastHeard ?? Now,
                t.Phase == TunnelPhase.Standby
                    ? []
                    : _nodes.Values.Where(o => o.Name != n.Name && o.Tunnels.TryGetValue(t.Name, out var other) && other.Phase != TunnelPhase.Standby)
                        .Select(o => o.Name).Order(StringComparer.Ordinal).ToList())))
            .OrderBy(t => t.Tunnel.Name, StringComparer.Ordinal).ThenBy(t => t.Tunnel.Node, StringComparer.Ordinal).ToList();

    /// <summary>Two nodes claiming one name is a configuration mistake: report it (log, and an event on the local tunnel), never merge.</summary>
    private void CheckConflicts(string tunnel)
    {
        var claimants = _nodes.Values.Where(n => n.Tunnels.TryGetValue(tunnel, out var t) && t.Phase != TunnelPhase.Standby).Select(n => n.Name).ToList();
        if (claimants.Count < 2) return;
        foreach (var other in claimants.Where(c => c != _localNode))
        {
            if (!claimants.Contains(_localNode) || !_reportedConflicts.Add((tunnel, other))) continue;
            _log.Warning("Tunnel name {Tunnel} is supervised by this node and by node {Other}: names must be unique in a cluster", tunnel, other);
            _localFleet.Tell(new ClusterViewProtocol.NameClaimedElsewhere(tunnel, other));
        }
    }
}

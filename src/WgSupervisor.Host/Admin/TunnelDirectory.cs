using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Clustering;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Domain.Tunnels;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>A tunnel as the API shows it, with where it lives and how fresh the information is.</summary>
public sealed record TunnelView(TunnelSummary Summary, NodeStatus NodeStatus, DateTimeOffset? InformationSince, IReadOnlyList<string> ClaimedAlsoBy);

/// <summary>
/// Where the admin API finds tunnels and sends commands: this node's fleet on its own, or — in a cluster —
/// the cluster view (every node's tunnels) and the owning node's fleet. Handlers never call node after node.
/// </summary>
public interface ITunnelDirectory
{
    Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken);

    Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken);

    /// <summary>Sends a command (built for who asked) to the fleet of the node that owns the tunnel; the answer is the tunnel's.</summary>
    Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken);

    /// <summary>Sends a site command to every node that has tunnels of the site; the answer lists the tunnels it reached.</summary>
    Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken);

    Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken);
}

public sealed class LocalTunnelDirectory(IRequiredActor<FleetActor> fleet, string node) : ITunnelDirectory
{
    public async Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken)
    {
        var list = await fleet.ActorRef.Ask<TunnelList>(new GetTunnels(), AdminEndpoints.AskTimeout, cancellationToken);
        return list.Tunnels.Select(View).ToList();
    }

    public async Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken) =>
        await fleet.ActorRef.Ask<object>(new GetTunnel(name), AdminEndpoints.AskTimeout, cancellationToken) is TunnelFound found ? View(found.Tunnel) : null;

    public Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken) =>
        fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken);

    public Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken) =>
        fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken);

    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken)
    {
        var list = await ListAsync(cancellationToken);
        return [new NodeView(node, null, NodeStatus.Up, [], list.Count, DateTimeOffset.UtcNow)];
    }

    private static TunnelView View(TunnelSummary summary) => new(summary, NodeStatus.Up, summary.ObservedAt, []);
}

public sealed class ClusterTunnelDirectory(IRequiredActor<ClusterViewActor> view, IRequiredActor<FleetActor> fleet, ActorSystem system, string node)
    : ITunnelDirectory
{
    public async Task<IReadOnlyList<TunnelView>> ListAsync(CancellationToken cancellationToken)
    {
        var tunnels = await view.ActorRef.Ask<ClusterViewProtocol.Tunnels>(new ClusterViewProtocol.GetTunnels(), AdminEndpoints.AskTimeout,
            cancellationToken);
        return tunnels.Items.Select(t => new TunnelView(t.Tunnel, t.NodeStatus, t.InformationSince, t.ClaimedAlsoBy)).ToList();
    }

    public async Task<TunnelView?> FindAsync(string name, CancellationToken cancellationToken)
    {
        // This node's own tunnel straight from its fleet: an operator reads what they just changed here.
        if (await fleet.ActorRef.Ask<object>(new GetTunnel(name), AdminEndpoints.AskTimeout, cancellationToken) is TunnelFound local &&
            local.Tunnel.Phase != TunnelPhase.Standby)
            return new TunnelView(local.Tunnel, NodeStatus.Up, local.Tunnel.ObservedAt, []);
        // Else the node that carries it (a standby's entry says only that it stands by), then any.
        var all = (await ListAsync(cancellationToken)).Where(t => t.Summary.Name == name).ToList();
        return all.FirstOrDefault(t => t.Summary.Phase != TunnelPhase.Standby && t.Summary.Node == node) ??
               all.FirstOrDefault(t => t.Summary.Phase != TunnelPhase.Standby) ?? all.FirstOrDefault();
    }

    public async Task<object> CommandAsync(string name, Func<string, object> command, string by, CancellationToken cancellationToken)
    {
        var owner = await view.ActorRef.Ask<object>(new ClusterViewProtocol.FindOwner(name), AdminEndpoints.AskTimeout, cancellationToken);
        if (owner is not ClusterViewProtocol.Owner found) return new TunnelNotFound(name);
        if (found.Node == node) return await fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken);
        if (found.Status != NodeStatus.Up || found.Address is null)
            return new Actors.Tunnels.TunnelProtocol.CommandRejected(name, $"its node {found.Node} is {found.Status.ToString().ToLowerInvariant()}");
        return await FleetOf(found.Address).Ask<object>(command($"{by} on node {node}"), AdminEndpoints.AskTimeout, cancellationToken);
    }

    public async Task<object> SiteCommandAsync(string site, Func<string, object> command, string by, CancellationToken cancellationToken)
    {
        var nodes = (await ListAsync(cancellationToken)).Where(t => t.Summary.Site == site && t.NodeStatus == NodeStatus.Up)
            .Select(t => t.Summary.Node).Distinct().ToList();
        if (nodes.Count == 0) return new SiteNotFound(site);
        var addresses = (await NodesAsync(cancellationToken)).ToDictionary(n => n.Name, n => n.Address);
        var answers = await Task.WhenAll(nodes.Select(n => n == node
            ? fleet.ActorRef.Ask<object>(command(by), AdminEndpoints.AskTimeout, cancellationToken)
            : FleetOf(addresses[n]!).Ask<object>(command($"{by} on node {node}"), AdminEndpoints.AskTimeout, cancellationToken)));
        return new SiteCommandSent(site, answers.OfType<SiteCommandSent>().SelectMany(a => a.Tunnels).Order(StringComparer.Ordinal).ToList());
    }

    public async Task<IReadOnlyList<NodeView>> NodesAsync(CancellationToken cancellationToken) =>
        (await view.ActorRef.Ask<ClusterViewProtocol.Nodes>(new ClusterViewProtocol.GetNodes(), AdminEndpoints.AskTimeout, cancellationToken)).Items;

    private ActorSelection FleetOf(string address) => system.ActorSelection($"{address}/user/fleet");
}

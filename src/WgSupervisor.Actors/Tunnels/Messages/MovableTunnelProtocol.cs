namespace WgSupervisor.Actors.Tunnels;

/// <summary>
/// Commands a <see cref="MovableTunnelActor"/> handles. They are addressed to a node's fleet, which routes them by
/// tunnel name unchanged, and cross nodes (serialized by the cluster message serializer).
/// </summary>
public static class MovableTunnelProtocol
{
    /// <summary>Move a movable tunnel to its partner node (sent to the node that carries it).</summary>
    public sealed record MoveTunnel(string Name, string To, string By);
    /// <summary>From the node that handed a movable tunnel over: bring it up here.</summary>
    public sealed record TakeOverTunnel(string Name, string From, string Reason);
}

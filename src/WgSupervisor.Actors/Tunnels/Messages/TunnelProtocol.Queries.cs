namespace WgSupervisor.Actors.Tunnels;

/// <summary>What can be asked of a tunnel, and its answers.</summary>
public static partial class TunnelProtocol
{
    /// <summary>The recent observations kept for charts (oldest first).</summary>
    public sealed record GetSamples
    {
        public static readonly GetSamples Instance = new();
    }

    public sealed record Samples(string Tunnel, IReadOnlyList<Domain.Tunnels.TunnelSample> Items);
}

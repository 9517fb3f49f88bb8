using System.Text.Json.Serialization;

namespace WgSupervisor.Actors.Fleet;

/// <summary>Operator commands the fleet routes to its tunnels (from the admin endpoint, or another node), and its answers.</summary>
public static partial class FleetProtocol
{
    /// <param name="By">Sent between nodes as "requestedBy", as releases before the rename did, so that mixed versions agree.</param>
    public sealed record RestartTunnel(string Name, [property: JsonPropertyName("requestedBy")] string By);
    public sealed record PauseTunnel(string Name, string By, string? Reason);
    public sealed record ResumeTunnel(string Name, string By);
    public sealed record ReleaseTunnel(string Name, string By);
    /// <summary>Pause or resume every tunnel of a site; each tunnel persists its own pause.</summary>
    public sealed record PauseSite(string Site, string By, string? Reason);
    public sealed record ResumeSite(string Site, string By);
    public sealed record SiteCommandSent(string Site, IReadOnlyList<string> Tunnels);
    public sealed record SiteNotFound(string Site);
}

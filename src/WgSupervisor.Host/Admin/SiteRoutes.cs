using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using static WgSupervisor.Actors.Fleet.FleetProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>/api/sites/{site}: maintenance of every tunnel of a site at once.</summary>
public static class SiteRoutes
{
    public static void MapSiteRoutes(this RouteGroupBuilder api)
    {
        api.MapPost("/sites/{site}/pause", async (string site, HttpContext http, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
        {
            var reason = await TunnelRoutes.ReadReasonAsync(http, ct);
            return await SiteCommandAsync(site, fleet, new PauseSite(site, AdminEndpoints.Operator(http), reason), ct);
        }).RequireToken().WithSummary("Pause every tunnel of the site (each tunnel persists its pause)");

        api.MapPost("/sites/{site}/resume", (string site, HttpContext http, IRequiredActor<FleetActor> fleet, CancellationToken ct) =>
            SiteCommandAsync(site, fleet, new ResumeSite(site, AdminEndpoints.Operator(http)), ct))
            .RequireToken().WithSummary("Resume every tunnel of the site");
    }

    private static async Task<IResult> SiteCommandAsync(string site, IRequiredActor<FleetActor> fleet, object command, CancellationToken ct)
    {
        if (RouteParameters.CheckName(site, "site") is { } invalid) return invalid;
        return await fleet.ActorRef.Ask<object>(command, AdminEndpoints.AskTimeout, ct) is SiteCommandSent sent
            ? Results.Accepted($"/api/tunnels?site={site}", new { site, tunnels = sent.Tunnels })
            : Problems.SiteNotFound(site);
    }
}

using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using static WgSupervisor.Actors.Fleet.FleetProtocol;
using WgSupervisor.Host.Admin.Contracts;

namespace WgSupervisor.Host.Admin;

/// <summary>/api/sites/{site}: maintenance of every tunnel of a site at once.</summary>
public static class SiteRoutes
{
    public static void MapSiteRoutes(this RouteGroupBuilder api)
    {
        api.MapPost("/sites/{site}/pause", async (string site, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
        {
            var reason = await TunnelRoutes.ReadReasonAsync(http, ct);
            return await SiteCommandAsync(site, directory, by => new PauseSite(site, by, reason), AdminEndpoints.Operator(http), ct);
        }).RequireToken().WithSummary("Pause every tunnel of the site, on every node (each tunnel persists its pause)")
            .WithName("pauseSite").WithTags(ApiTags.Sites).WithOptionalJsonBody<TunnelRoutes.PauseBody>()
            .Produces<SiteCommandAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/sites/{site}/resume", (string site, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
            SiteCommandAsync(site, directory, by => new ResumeSite(site, by), AdminEndpoints.Operator(http), ct))
            .RequireToken().WithSummary("Resume every tunnel of the site, on every node")
            .WithName("resumeSite").WithTags(ApiTags.Sites)
            .Produces<SiteCommandAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> SiteCommandAsync(string site, ITunnelDirectory directory, Func<string, object> command, string by,
        CancellationToken ct)
    {
        if (RouteParameters.CheckName(site, "site") is { } invalid) return invalid;
        return await directory.SiteCommandAsync(site, command, by, ct) is SiteCommandSent { Tunnels.Count: > 0 } sent
            ? Results.Accepted($"/api/tunnels?site={site}", new SiteCommandAccepted(site, sent.Tunnels))
            : Problems.SiteNotFound(site);
    }
}

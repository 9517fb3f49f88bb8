using Akka.Actor;
using Akka.Hosting;
using WgSupervisor.Actors.Fleet;
using WgSupervisor.Actors.Tunnels;
using static WgSupervisor.Actors.Fleet.FleetProtocol;
using static WgSupervisor.Actors.Tunnels.MovableTunnelProtocol;

namespace WgSupervisor.Host.Admin;

/// <summary>/api/tunnels: list, detail, history, and the operator's commands.</summary>
public static class TunnelRoutes
{
    public sealed record PauseBody(string? Reason);

    public static void MapTunnelRoutes(this RouteGroupBuilder api)
    {
        api.MapGet("/tunnels", async (string? state, string? site, string? node, ITunnelDirectory directory, ActorSystem system,
            CancellationToken ct) =>
        {
            if (!RouteParameters.TryPhase(state, out var phase))
                return Problems.BadParameter("state", $"one of {string.Join(", ", TunnelResource.StateNames)}");
            if (site is not null && RouteParameters.CheckName(site, "site") is { } badSite) return badSite;
            if (node is not null && RouteParameters.CheckName(node, "node") is { } badNode) return badNode;
            var now = system.Scheduler.Now;
            return Results.Ok((await directory.ListAsync(ct))
                .Where(t => phase is null || t.Summary.Phase == phase)
                .Where(t => site is null || t.Summary.Site == site)
                .Where(t => node is null || t.Summary.Node == node)
                .Select(t => TunnelResource.From(t, now)));
        }).WithSummary("Every supervised tunnel (of every node in a cluster), optionally filtered by state, site and node");

        api.MapGet("/tunnels/{name}", async (string name, ITunnelDirectory directory, ActorSystem system, CancellationToken ct) =>
        {
            if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
            return await directory.FindAsync(name, ct) is { } found ? Results.Ok(TunnelResource.From(found, system.Scheduler.Now)) : Problems.TunnelNotFound(name);
        }).WithSummary("One tunnel: state, reason, handshake age, traffic, probe, repairs, backoff");

        api.MapGet("/tunnels/{name}/events", async (string name, string? after, string? limit, ITunnelDirectory directory,
            HistoryReader history, CancellationToken ct) =>
        {
            if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
            if (!RouteParameters.TryLong(after, out var afterSeq)) return Problems.BadParameter("after", "a sequence number (whole number)");
            if (!RouteParameters.TryInt(limit, 1000, 1, 10_000, out var take)) return Problems.BadParameter("limit", "a whole number from 1 to 10000");
            if (await directory.FindAsync(name, ct) is not { } found) return Problems.TunnelNotFound(name);
            return Results.Ok(await history.ReadTunnelAsync(found.Summary.Node, name, afterSeq ?? 0, take, ct));
        }).WithSummary("A tunnel's history from the journal, oldest first (page with after=seq)");

        api.MapGet("/tunnels/{name}/samples", async (string name, ITunnelDirectory directory, CancellationToken ct) =>
        {
            if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
            var reply = await directory.CommandAsync(name, _ => new GetTunnelSamples(name), "", ct);
            return reply is TunnelProtocol.Samples samples
                ? Results.Ok(samples.Items.Select(s => new
                {
                    at = s.At, handshakeAgeSeconds = s.HandshakeAgeSeconds, rxBytes = s.RxBytes, txBytes = s.TxBytes,
                    state = TunnelResource.StateName(s.Phase),
                }))
                : Problems.TunnelNotFound(name);
        }).WithSummary("Recent observations (up to 720, oldest first) for charts of handshake age and traffic");

        api.MapPost("/tunnels/{name}/restart", (string name, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
            CommandAsync(name, directory, by => new RestartTunnel(name, by), AdminEndpoints.Operator(http), ct))
            .RequireToken().WithSummary("Queue a repair (through the same permits as automatic repairs), on the node that owns the tunnel");

        api.MapPost("/tunnels/{name}/pause", async (string name, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
        {
            var reason = await ReadReasonAsync(http, ct);
            return await CommandAsync(name, directory, by => new PauseTunnel(name, by, reason), AdminEndpoints.Operator(http), ct);
        }).RequireToken().WithSummary("Maintenance: keep observing, never repair (body: {\"reason\": \"...\"}, optional)");

        api.MapPost("/tunnels/{name}/resume", (string name, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
            CommandAsync(name, directory, by => new ResumeTunnel(name, by), AdminEndpoints.Operator(http), ct))
            .RequireToken().WithSummary("End maintenance");

        api.MapPost("/tunnels/{name}/release", (string name, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
            CommandAsync(name, directory, by => new ReleaseTunnel(name, by), AdminEndpoints.Operator(http), ct))
            .RequireToken().WithSummary("End a quarantine now");

        api.MapPost("/tunnels/{name}/move", (string name, string? to, HttpContext http, ITunnelDirectory directory, CancellationToken ct) =>
            to is null || RouteParameters.CheckName(to, "to") is not null
                ? Task.FromResult(Problems.BadParameter("to", "the node to move the tunnel to (its Standby or Primary)"))
                : CommandAsync(name, directory, by => new MoveTunnel(name, to, by), AdminEndpoints.Operator(http), ct))
            .RequireToken().WithSummary("Move a tunnel that has a standby to the other gateway (?to=NODE)");

        api.MapGet("/nodes", async (ITunnelDirectory directory, ActorSystem system, Security.PeerCertificates certificates, CancellationToken ct) =>
        {
            var now = system.Scheduler.Now;
            // A local directory names this node without an address; a cluster one by the address remoting gives it.
            var self = system is ExtendedActorSystem extended ? extended.Provider.DefaultAddress.ToString() : null;
            return Results.Ok((await directory.NodesAsync(ct)).Select(n => new
            {
                name = n.Name, address = n.Address, status = n.Status.ToString().ToLowerInvariant(), roles = n.Roles, tunnels = n.Tunnels,
                lastHeard = n.LastHeard, informationAgeSeconds = n.LastHeard is { } heard ? Math.Round((now - heard).TotalSeconds, 1) : (double?)null,
                certificateExpiresAt = n.Address is null || n.Address == self ? certificates.OwnExpiry : certificates.ExpiryOf(n.Name, n.Address),
            }));
        }).WithSummary("The members of the cluster (this node alone, outside a cluster): status, roles, tunnels, age of the information");
    }

    private static async Task<IResult> CommandAsync(string name, ITunnelDirectory directory, Func<string, object> command, string by,
        CancellationToken ct)
    {
        if (RouteParameters.CheckName(name, "name") is { } invalid) return invalid;
        var reply = await directory.CommandAsync(name, command, by, ct);
        return reply switch
        {
            TunnelProtocol.CommandAccepted accepted => Results.Accepted($"/api/tunnels/{name}", new { tunnel = name, detail = accepted.Detail }),
            TunnelProtocol.CommandRejected rejected => Problems.Conflict(name, rejected.Reason),
            _ => Problems.TunnelNotFound(name),
        };
    }

    /// <summary>An optional JSON body {"reason": "..."}; at most 200 characters are kept.</summary>
    public static async Task<string?> ReadReasonAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentLength is 0 || !http.Request.HasJsonContentType()) return null;
        try
        {
            var body = await http.Request.ReadFromJsonAsync<PauseBody>(ct);
            return body?.Reason is { Length: > 0 } reason ? reason[..Math.Min(reason.Length, 200)] : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// The admin endpoint. Every answer comes from the fleet actor (Ask with a time-out) or from the journal;
/// errors are problem+json naming the parameter at fault; mutating routes need the admin token, and off loopback every
/// route but /healthz and /readyz needs a token (see AdminAccess).
/// </summary>
public static class AdminEndpoints
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static WebApplication MapAdminApi(this WebApplication app, SupervisorSettings config)
    {
        MapHealth(app);
        var api = app.MapGroup("/api");
        api.MapTunnelRoutes();
        api.MapSiteRoutes();
        api.MapEventRoutes();
        api.MapFleetRoutes(config);
        api.MapStreamRoute();
        return app;
    }

    private static void MapHealth(WebApplication app)
    {
        // Liveness: 503 only when the actor system is down; a degraded journal or poller shows in the body.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        // Readiness: 503 unless the journal and the poller are fine too.
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                description = e.Value.Description,
                data = e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }

    /// <summary>Who an operator command came from: the X-Operator header when given (validated), else "admin API".</summary>
    public static string Operator(HttpContext context)
    {
        var name = context.Request.Headers["X-Operator"].ToString();
        return name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@')
            ? $"{name} via admin API"
            : "operator via admin API";
    }

    /// <summary>Mutating routes: the admin token must be presented (the read token gets 403).</summary>
    public static RouteHandlerBuilder RequireToken(this RouteHandlerBuilder builder) => builder.AddEndpointFilter<TokenFilter>();
}

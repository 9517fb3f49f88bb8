using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Admin;

/// <summary>
/// Who may do what on the admin endpoint. Off loopback every route but /healthz and /readyz needs a token (the read token
/// for GET and HEAD, the admin token for everything); on loopback reads are open and mutating routes need the admin token.
/// Refusals are problem+json: 401 (no or wrong token, with WWW-Authenticate), 403 (the read token on a mutation),
/// 429 (too many failed authentications from the client's address, with Retry-After).
/// </summary>
public sealed class AdminAccess(AdminToken adminToken, AdminToken readToken, Uri url, AuthFailureLimiter limiter)
{
    public const string Realm = "wgsupervisor";

    /// <summary>Reachable from this host only: reads stay open, as they always were.</summary>
    public bool LoopbackOnly { get; } = AdminSection.IsLoopback(url);

    /// <summary>Liveness and readiness stay open for load balancers and service managers (they say only how the node's parts are).</summary>
    public static bool IsOpen(PathString path)
    {
        var value = (path.Value ?? "").TrimEnd('/');
        return value.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || value.Equals("/readyz", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Null when the request may go on; else the refusal to answer with.</summary>
    /// <param name="needsAdmin">A mutating route: only the admin token will do.</param>
    public IResult? Authorize(HttpContext http, bool needsAdmin)
    {
        var clientAddress = http.Connection.RemoteIpAddress;
        var partition = AdminCredentials.ClientPartition(clientAddress);
        if (limiter.Blocked(partition) is { } wait) return TooManyFailures(http, wait);
        switch (AdminCredentials.Identify(http.Request, adminToken, readToken))
        {
            case Credential.Admin:
            case Credential.Read when !needsAdmin:
                return null;
            case Credential.Read:
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: "the read token may only read (GET, HEAD): this route changes the supervisor and needs the admin token",
                    extensions: AuthorizationParameter);
            case Credential.Wrong:
                limiter.RecordFailure(partition, AdminCredentials.ClientAddress(clientAddress), $"{http.Request.Method} {http.Request.Path}");
                return Unauthorized(http, "the token presented is not valid here: send the " +
                                          (needsAdmin ? "admin token" : "read token or the admin token") + " as 'Authorization: Bearer TOKEN'");
            default:
                return Unauthorized(http, needsAdmin ? MissingAdminToken : MissingToken);
        }
    }

    private string MissingAdminToken => adminToken.IsSet
        ? "this route changes the supervisor: send the admin token as 'Authorization: Bearer TOKEN'"
        : $"no admin token is configured, so changes through the API are off: set {AdminToken.EnvironmentVariable} or Admin:TokenFile";

    private string MissingToken =>
        $"the admin endpoint listens on {url}, reachable from other hosts: send the read token or the admin token as " +
        "'Authorization: Bearer TOKEN' (or as the password of Basic authentication, any user name)";

    private static Dictionary<string, object?> AuthorizationParameter => new() { ["parameter"] = "Authorization" };

    private static IResult Unauthorized(HttpContext http, string detail)
    {
        // The dashboard's page asks for Basic, so that the browser shows its own credential prompt (and then sends the
        // credentials with the page's fetch and EventSource calls); the API asks for Bearer, which no browser prompts for.
        http.Response.Headers.WWWAuthenticate = Dashboard.DashboardEndpoints.Serves(http.Request.Path)
            ? $"Basic realm=\"{Realm}\", charset=\"UTF-8\""
            : $"Bearer realm=\"{Realm}\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail,
            extensions: AuthorizationParameter);
    }

    private IResult TooManyFailures(HttpContext http, TimeSpan wait)
    {
        var seconds = AuthFailureLimiter.Seconds(wait);
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed authentications",
            detail: $"more than {limiter.Budget.Limit} failed authentications from your address within {limiter.Budget.Window.TotalSeconds:0.###} s: " +
                    $"try again in {seconds} s",
            extensions: AuthorizationParameter);
    }
}

/// <summary>Off loopback, no route but /healthz and /readyz answers without a token; mutating routes are checked by <see cref="TokenFilter"/> too.</summary>
public sealed class AdminAuthenticationMiddleware(RequestDelegate next, AdminAccess access)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (access.LoopbackOnly || AdminAccess.IsOpen(http.Request.Path))
        {
            await next(http);
            return;
        }
        if (access.Authorize(http, needsAdmin: !AdminCredentials.IsRead(http.Request.Method)) is { } refusal)
        {
            await refusal.ExecuteAsync(http);
            return;
        }
        await next(http);
    }
}

/// <summary>Wiring of the admin endpoint's access rules into the host.</summary>
public static class AdminAccessExtensions
{
    public static IServiceCollection AddAdminAccess(this IServiceCollection services, SupervisorSettings config)
    {
        services.AddSingleton(services => new AuthFailureLimiter(config.AdminAuthFailures, services.GetRequiredService<ILogger<AuthFailureLimiter>>()));
        services.AddSingleton(services => new AdminAccess(config.AdminToken, config.AdminReadToken, config.AdminUrl,
            services.GetRequiredService<AuthFailureLimiter>()));
        return services;
    }

    public static WebApplication UseAdminAccess(this WebApplication app)
    {
        app.UseMiddleware<AdminAuthenticationMiddleware>();
        return app;
    }
}

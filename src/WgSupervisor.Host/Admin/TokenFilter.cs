using WgSupervisor.Host.Configuration;

namespace WgSupervisor.Host.Admin;

/// <summary>Mutating routes: 401 problem unless the request carries `Authorization: Bearer TOKEN`.</summary>
public sealed class TokenFilter(AdminToken token) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        if (token.Matches(presented)) return await next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            detail: token.IsSet
                ? "this route changes the supervisor: send the admin token as 'Authorization: Bearer TOKEN'"
                : $"no admin token is configured, so changes through the API are off: set {AdminToken.EnvironmentVariable} or Admin:TokenFile",
            extensions: new Dictionary<string, object?> { ["parameter"] = "Authorization" });
    }
}

namespace WgSupervisor.Host.Admin;

/// <summary>
/// Mutating routes: 401 problem unless the request carries the admin token (`Authorization: Bearer TOKEN`, or Basic with
/// the token as password); 403 with the read token; 429 while the client's address has too many failed authentications.
/// On loopback this is the only check; off loopback the <see cref="AdminAuthenticationMiddleware"/> has checked already.
/// </summary>
public sealed class TokenFilter(AdminAccess access) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        access.Authorize(context.HttpContext, needsAdmin: true) is { } refusal ? refusal : await next(context);
}

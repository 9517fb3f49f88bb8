# WgSupervisor in a container. It manages the host's WireGuard, so it runs with the host's network
# namespace and NET_ADMIN (see docker-compose.yml).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/WgSupervisor.Host -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends wireguard-tools wireguard-go iproute2 nftables iputils-ping \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
COPY config/wgsupervisor.json /etc/wgsupervisor/wgsupervisor.json
VOLUME /var/lib/wgsupervisor
ENTRYPOINT ["dotnet", "/app/wgsupervisor.dll"]
CMD ["--config", "/etc/wgsupervisor/wgsupervisor.json"]

# The praas-framework image: gateways (`praas-framework gateway`) and runtime hosts
# (`praas-framework host`), with the samples built in. docker-compose.yml builds it;
# by hand: docker build -t praas-framework:0.1.0 .
FROM node:20-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund
RUN npx tsc -b
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
ENV PATH=/app/node_modules/.bin:$PATH
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/framework ./framework
COPY --from=build /src/runtime ./runtime
COPY --from=build /src/gateway ./gateway
COPY --from=build /src/embedded ./embedded
COPY --from=build /src/samples ./samples
USER node
EXPOSE 8080 50051 8081
CMD ["praas-framework", "help"]

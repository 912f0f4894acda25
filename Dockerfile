# The praas-framework image: gateways (`praas-framework gateway`) and runtime hosts
# (`praas-framework host`), with the samples built in. docker-compose.yml builds it;
# by hand: docker build -t praas-framework:0.1.0 .
FROM node:20-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund
RUN npx tsc -b
# The packages as npm publishes them, and a package.json that installs them from the tarballs.
RUN node tools/pack-image.js /packs

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
ENV PATH=/app/node_modules/.bin:$PATH
COPY --from=build /packs /packs
# Only the packed packages and their production dependencies: no test services, runners or benchmarks.
RUN cp /packs/package.json package.json \
 && npm install --omit=dev --no-audit --no-fund \
 && rm -rf /packs \
 && mkdir samples \
 && for s in quickstart wordcount kmeans latex-service; do ln -s ../node_modules/@praas/sample-$s samples/$s; done
USER node
EXPOSE 8080 50051 8081
CMD ["praas-framework", "help"]

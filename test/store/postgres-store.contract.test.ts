import { openStores, type Stores } from "../../src/store/sql/open-stores.js";
import { createTestDatabase } from "../support/postgres.js";
import { describeStoreContract } from "./store-contract.js";

describeStoreContract("PostgreSQL", {
  separateInstances: true,
  async fresh(now) {
    const database = await createTestDatabase();
    const opened: Stores[] = [];
    const open = async () => {
      const stores = await openStores({ dataDir: "/nonexistent-unused", databaseUrl: database.url, now });
      opened.push(stores);
      return stores;
    };
    return {
      stores: await open(),
      open,
      async dispose() {
        for (const stores of opened) await stores.close();
        await database.drop();
      },
    };
  },
});

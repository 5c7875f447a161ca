import { openStores, type Stores } from "../../src/store/sql/open-stores.js";
import { createTestDatabase } from "../support/postgres.js";
import { describeAtomicStoreContract } from "./store-contract-atomic.js";
import { describeOperatorStoreContract } from "./store-contract-operator.js";
import { describeStoreContract, type StoreOpener } from "./store-contract.js";
import { describeStepsStoreContract } from "./store-contract-steps.js";

const opener: StoreOpener = {
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
};

describeStoreContract("PostgreSQL", opener);
describeAtomicStoreContract("PostgreSQL", opener);
describeStepsStoreContract("PostgreSQL", opener);
describeOperatorStoreContract("PostgreSQL", opener);
